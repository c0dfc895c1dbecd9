# BUILD prelude: module_registry.py's MODULES as hashable rows, (name, uses, database), sorted by name.
# Pants 2.17 hashes every prelude symbol, so a dict there fails every BUILD file with "unhashable type:
# 'dict'". Preludes run in path order (not pants.toml's order) and share one namespace, so this file,
# sorting after module_registry.py, sees its MODULES and rebinds it before Pants hashes the symbols.
MODULES = tuple((name, tuple(sorted(entry["uses"])), entry["database"]) for name, entry in sorted(MODULES.items()))
