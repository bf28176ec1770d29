"""Scores a CSV or Parquet on Spark with a model exported by `glassbox export --onnx`.

    python3 scripts/spark_score.py MODEL.onnx DATA.csv OUT_DIR [--master local[2]]
    python3 scripts/spark_score.py MODEL.onnx DATA.parquet OUT_DIR   # a file or a folder of parts

(or `spark-submit scripts/spark_score.py ...` on a cluster; see the README's
"When one machine is not enough"). Every column is read as text and turned
into the graph's inputs as Glassbox reads text: the training file's column
names, its missing-value tokens, numbers as doubles. Parquet keeps its own
types (numbers stay numbers, booleans become the 1 and 0 Glassbox reads
them as). The model's bytes go to
the executors once, and `mapInPandas` builds one onnxruntime session per
partition, not per row. OUT_DIR gets one CSV with `prediction` and
`proba_<class>` columns (a regressor's `prediction`, `pi_low` and
`pi_high`, empty where the model has no bounded interval), in the input's
order, as `glassbox predict` writes its first columns.
"""

import argparse
import json
import os
import time

import numpy as np
import onnx
import pandas as pd
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import BooleanType, DoubleType, LongType, StringType, StructField, StructType


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("data")
    parser.add_argument("out")
    parser.add_argument("--master", default=None)
    args = parser.parse_args()

    with open(args.model, "rb") as f:
        model_bytes = f.read()
    meta = {p.key: p.value for p in onnx.load_from_string(model_bytes).metadata_props}
    classes = json.loads(meta["glassbox.classes"])
    regression = meta.get("glassbox.task") == "regression"
    columns = json.loads(meta["glassbox.columns"])
    missing = set(json.loads(meta["glassbox.missing"]))
    graph_inputs = [(i.name, i.type.tensor_type.elem_type) for i in onnx.load_from_string(model_bytes).graph.input]
    numeric = {name: elem == onnx.TensorProto.DOUBLE for name, elem in graph_inputs}

    builder = SparkSession.builder.appName("glassbox-onnx")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    started = time.time()
    if args.data.lower().endswith(".parquet") or os.path.isdir(args.data):
        df = spark.read.parquet(args.data)
        for field in df.schema.fields:
            if isinstance(field.dataType, BooleanType):
                df = df.withColumn(field.name, F.col(field.name).cast("double"))
    else:
        # Text in, so the conversion below is Glassbox's, not Spark's type inference.
        df = spark.read.csv(args.data, header=True, inferSchema=False, enforceSchema=False)
    df = df.withColumn("_row", F.monotonically_increasing_id())
    shipped = spark.sparkContext.broadcast(model_bytes)
    if regression:
        outputs = ["prediction", "pi_low", "pi_high"]
        out_schema = StructType([StructField("_row", LongType())] + [StructField(o, DoubleType()) for o in outputs])
    else:
        outputs = ["label", "probabilities"]
        out_schema = StructType(
            [StructField("_row", LongType()), StructField("prediction", StringType())]
            + [StructField(f"proba_{c}", DoubleType()) for c in classes]
        )

    def score(batches):
        import onnxruntime as ort

        session = ort.InferenceSession(shipped.value, providers=["CPUExecutionProvider"])
        for batch in batches:
            feed = {}
            for (name, _), original in zip(graph_inputs, columns):
                raw = batch[original].astype(object).where(batch[original].notna(), "")
                raw = raw.map(lambda v: "" if str(v).strip() in missing else str(v).strip())
                if numeric[name]:
                    values = pd.to_numeric(raw.replace("", np.nan), errors="coerce").to_numpy(dtype=np.float64)
                    feed[name] = values.reshape(-1, 1)
                else:
                    feed[name] = raw.to_numpy(dtype=object).reshape(-1, 1)
            got = session.run(outputs, feed)
            result = pd.DataFrame({"_row": batch["_row"].to_numpy()})
            if regression:
                # NaN (no bounded interval) is written as an empty cell.
                for name, values in zip(outputs, got):
                    result[name] = values.reshape(-1).astype(np.float64)
            else:
                label, proba = got
                result["prediction"] = label.astype(str)
                for k, c in enumerate(classes):
                    result[f"proba_{c}"] = proba[:, k].astype(np.float64)
            yield result

    # Cached, so counting the rows and writing them score each row once.
    scored = df.mapInPandas(score, schema=out_schema).orderBy("_row").drop("_row").cache()
    rows = scored.count()
    scored.coalesce(1).write.mode("overwrite").option("header", True).csv(args.out)
    seconds = time.time() - started
    print(f"scored {rows} rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s) on {spark.sparkContext.master}")
    spark.stop()


if __name__ == "__main__":
    main()
