"""Reading Arazzo documents: YAML 1.2 parsing with positions, schema, model, semantic checks."""
