"""Scores an exported ONNX model with onnxruntime, for the ONNX tests and
the Spark script: `python3 scripts/onnx_score.py MODEL.onnx INPUTS.json OUT.json`.

INPUTS.json maps each graph input's name to a list of values (null for
missing); OUT.json gets `label` and `probabilities`.
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
    label, proba = session.run(["label", "probabilities"], feed_of(session, columns))
    with open(sys.argv[3], "w") as f:
        json.dump({"label": [str(v) for v in label], "probabilities": proba.astype(float).tolist()}, f)


if __name__ == "__main__":
    main()
