"""Engines that run the matching stages somewhere other than this process.

The local engine is ``dedup.pipeline.scan``; ``spark`` runs the same stages on Apache Spark.
Nothing here is imported unless ``--engine`` asks for it, so the default install needs no
pyspark.
"""
