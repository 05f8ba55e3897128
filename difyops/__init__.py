"""difyops: GitOps for Dify — the command line and the demo."""
