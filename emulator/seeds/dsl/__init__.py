"""Original demo DSL documents of the `demo` seed (YAML files, loaded at seed time)."""
