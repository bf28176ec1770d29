"""The service that the serving workflow describes, for the load comparison
in BENCHMARKS.md: FastAPI + uvicorn in front of a scikit-learn pipeline of
the same model family, trained on the same rows as Glassbox's model.

    python3 scripts/fastapi_service.py DATA.csv TARGET PORT [MODEL]

MODEL is logistic_regression (default), random_forest, or ridge (a number
to predict, answered as `{"prediction": …}`). The pipeline is
Glassbox's default preprocessing written in scikit-learn: median imputation
and standard scaling for numbers, most-frequent imputation and one-hot
encoding (unknown levels ignored) for text. One POST /predict takes a row
object or a list of them and answers what Glassbox answers, minus the
interval, which scikit-learn does not have.
"""

import sys

import pandas as pd
import uvicorn
from fastapi import Body, FastAPI
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def fit(path, target, model):
    df = pd.read_csv(path)
    df = df[df[target].notna()]
    y = df.pop(target)
    numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
    text = [c for c in df.columns if c not in numeric]
    pre = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")), text),
        ]
    )
    est = {
        "random_forest": lambda: RandomForestClassifier(n_estimators=100, random_state=0),
        "ridge": lambda: Ridge(alpha=1.0),
    }.get(model, lambda: LogisticRegression(max_iter=1000))()
    pipe = make_pipeline(pre, est).fit(df, y)
    return pipe, list(df.columns)


def main():
    path, target, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    model = sys.argv[4] if len(sys.argv) > 4 else "logistic_regression"
    pipe, columns = fit(path, target, model)
    regression = model == "ridge"
    classes = [] if regression else [str(c) for c in pipe.classes_]
    app = FastAPI()

    @app.get("/health")
    def health():
        return {"status": "ok", "classes": classes}

    @app.post("/predict")
    def predict(body=Body(...)):
        rows = body if isinstance(body, list) else [body]
        frame = pd.DataFrame(rows, columns=columns)
        if regression:
            out = [{"prediction": float(v), "warnings": []} for v in pipe.predict(frame)]
            return out if isinstance(body, list) else out[0]
        proba = pipe.predict_proba(frame)
        out = []
        for p in proba:
            k = int(p.argmax())
            out.append({"prediction": classes[k], "probability": float(p[k]),
                        "probabilities": dict(zip(classes, map(float, p))), "warnings": []})
        return out if isinstance(body, list) else out[0]

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
