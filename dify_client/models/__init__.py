"""Wire models of Dify's user-scoped OpenAPI v1, named as Dify names things."""

from dify_client.models.account import Account, AccountInfo, RevokeResponse, Session, WorkspaceRef
from dify_client.models.apps import (
    OVERWRITABLE_MODES,
    App,
    AppDescription,
    AppInfo,
    AppMode,
    Tag,
)
from dify_client.models.device import (
    DeviceCode,
    DeviceCodeParams,
    DeviceDecision,
    DeviceLookup,
    DevicePollParams,
    DeviceToken,
)
from dify_client.models.dsl import (
    DependencyCheck,
    DslExport,
    Import,
    ImportParams,
    ImportStatus,
    PluginDependency,
)
from dify_client.models.errors import ErrorBody, ErrorDetail
from dify_client.models.meta import HealthResponse, ServerVersion
from dify_client.models.workspaces import (
    AssignableRole,
    Member,
    MemberActionResult,
    MemberInvite,
    MemberInviteParams,
    MemberRoleParams,
    Workspace,
    WorkspaceDetail,
)

__all__ = [
    "OVERWRITABLE_MODES",
    "Account",
    "AccountInfo",
    "App",
    "AppDescription",
    "AppInfo",
    "AppMode",
    "AssignableRole",
    "DependencyCheck",
    "DeviceCode",
    "DeviceCodeParams",
    "DeviceDecision",
    "DeviceLookup",
    "DevicePollParams",
    "DeviceToken",
    "DslExport",
    "ErrorBody",
    "ErrorDetail",
    "HealthResponse",
    "Import",
    "ImportParams",
    "ImportStatus",
    "Member",
    "MemberActionResult",
    "MemberInvite",
    "MemberInviteParams",
    "MemberRoleParams",
    "PluginDependency",
    "RevokeResponse",
    "ServerVersion",
    "Session",
    "Tag",
    "Workspace",
    "WorkspaceDetail",
    "WorkspaceRef",
]
