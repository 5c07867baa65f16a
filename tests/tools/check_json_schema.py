#!/usr/bin/env python3
"""check_json_schema.py SCHEMA JSON...: validates each JSON file against
SCHEMA (JSON Schema 2020-12). Uses the jsonschema package (Debian's
python3-jsonschema) when present, and also always runs a small built-in
validator for the subset analyze/report.schema.json uses (type, const, enum,
required, properties, additionalProperties, items, oneOf, $ref, minimum), so
the check runs even where the package is missing. Exit 0 when all are valid,
1 with one line per error otherwise."""
import json
import sys

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
KNOWN = {"$schema", "$id", "$defs", "title", "description", "type", "const", "enum", "required",
         "properties", "additionalProperties", "items", "oneOf", "$ref", "minimum"}


def resolve(root, ref):
    if not ref.startswith("#/"):
        raise ValueError("only local $ref supported: " + ref)
    node = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def check(root, schema, value, path, errors):
    if schema is True or schema == {}:
        return
    if schema is False:
        errors.append(f"{path}: no value allowed here")
        return
    unknown = set(schema) - KNOWN
    if unknown:
        raise ValueError(f"schema keyword(s) {sorted(unknown)} not supported by the built-in validator")
    if "$ref" in schema:
        check(root, resolve(root, schema["$ref"]), value, path, errors)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(TYPES[t](value) for t in types):
            errors.append(f"{path}: expected {'/'.join(types)}, got {type(value).__name__} {json.dumps(value)[:60]}")
            return
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: expected {json.dumps(schema['const'])}, got {json.dumps(value)[:60]}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {json.dumps(value)[:60]} not one of {schema['enum']}")
    if "minimum" in schema and TYPES["number"](value) and value < schema["minimum"]:
        errors.append(f"{path}: {value} below {schema['minimum']}")
    if "oneOf" in schema:
        matched, closest = 0, None
        for sub in schema["oneOf"]:
            e = []
            check(root, sub, value, path, e)
            matched += not e
            if e and (closest is None or len(e) < len(closest)):
                closest = e
        if matched != 1:
            errors.append(f"{path}: matches {matched} of the oneOf alternatives, expected exactly 1")
            if matched == 0:
                errors.extend(closest)
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}: missing key '{key}'")
        props = schema.get("properties", {})
        for key, v in value.items():
            if key in props:
                check(root, props[key], v, f"{path}.{key}", errors)
            elif "additionalProperties" in schema:
                check(root, schema["additionalProperties"], v, f"{path}.{key}", errors)
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            check(root, schema["items"], v, f"{path}[{i}]", errors)


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    try:
        import jsonschema
        jsonschema.Draft202012Validator.check_schema(schema)
        lib = jsonschema.Draft202012Validator(schema)
    except ImportError:
        lib = None
    bad = 0
    for name in sys.argv[2:]:
        with open(name) as f:
            try:
                doc = json.load(f)
            except json.JSONDecodeError as e:
                print(f"{name}: not JSON: {e}")
                bad += 1
                continue
        errors = []
        check(schema, schema, doc, "$", errors)
        if lib is not None:
            errors += [f"{'/'.join(map(str, e.absolute_path)) or '$'}: {e.message[:200]} (jsonschema)"
                       for e in lib.iter_errors(doc)]
        for e in errors:
            print(f"{name}: {e}")
        bad += bool(errors)
        if not errors:
            print(f"{name}: valid ({'jsonschema and ' if lib else ''}built-in validator)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
