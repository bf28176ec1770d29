"""Scores an exported ONNX model with onnxruntime, for the ONNX tests and
the Spark script: `python3 scripts/onnx_score.py MODEL.onnx INPUTS.json OUT.json`.

INPUTS.json maps each graph input's name to a list of values (null for
missing); OUT.json gets a classifier's `label` and `probabilities`, or a
regressor's `prediction`, `pi_low` and `pi_high` (null where the model has
no bounded interval).
"""

import json
import sys

import numpy as np
import onnxruntime as ort


def feed_of(session, columns):
    feed = {}
    for i in session.get_inputs():
        values = columns[i.name]
        if i.type == "tensor(string)":
            feed[i.name] = np.array(["" if v is None else str(v) for v in values], dtype=object).reshape(-1, 1)
        else:
            feed[i.name] = np.array([np.nan if v is None else v for v in values], dtype=np.float64).reshape(-1, 1)
    return feed


def main():
    session = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
    with open(sys.argv[2]) as f:
        columns = json.load(f)
    names = [o.name for o in session.get_outputs()]
    if "prediction" in names:
        got = session.run(["prediction", "pi_low", "pi_high"], feed_of(session, columns))
        out = {
            name: [None if np.isnan(v) else float(v) for v in values.reshape(-1)]
            for name, values in zip(["prediction", "pi_low", "pi_high"], got)
        }
    else:
        label, proba = session.run(["label", "probabilities"], feed_of(session, columns))
        out = {"label": [str(v) for v in label], "probabilities": proba.astype(float).tolist()}
    with open(sys.argv[3], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
