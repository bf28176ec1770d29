"""Checks recipe.json files against crates/pipeline/recipe.schema.json with the
`jsonschema` package (Draft 2020-12): the CLI tests run it on the recipes
`glassbox train` writes, so the committed schema stays true to the writer.

    python3 scripts/check_recipe.py RECIPE.json...

Prints one line per problem (the file, the key's path, what is wrong) and
exits 1 when there is any.
"""

import json
import pathlib
import sys

import jsonschema

SCHEMA = pathlib.Path(__file__).resolve().parent.parent / "crates" / "pipeline" / "recipe.schema.json"


def main(paths):
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    problems = 0
    for path in paths:
        recipe = json.loads(pathlib.Path(path).read_text())
        for error in sorted(validator.iter_errors(recipe), key=lambda e: list(e.absolute_path)):
            where = ".".join(str(p) for p in error.absolute_path) or "(the root)"
            print(f"{path}: {where}: {error.message}")
            problems += 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
