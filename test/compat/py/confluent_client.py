#!/usr/bin/python3
"""confluent-kafka-python (Debian python3-confluent-kafka, librdkafka) driver for the compat suite.

Same protocol as kafka_python_client.py: `produce` or `consume`, JSON request on stdin, JSON result on stdout.
Consumption uses assign() with OFFSET_BEGINNING (no group membership, no commits; group.id is only set because
the binding refuses to build a consumer without one).
"""
import json
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Producer, TopicPartition


def enc(s):
    return None if s is None else s.encode("utf-8")


def dec(b):
    return None if b is None else b.decode("utf-8")


def produce(req):
    producer = Producer(
        {
            "bootstrap.servers": req["bootstrap"],
            "compression.type": req["codec"],
            "acks": str(req.get("acks", "all")),
            "linger.ms": 5,
            "enable.idempotence": False,
            "retries": 0,
            "message.timeout.ms": 20000,
        }
    )
    acks = [None] * len(req["messages"])
    errors = []

    def on_delivery(i):
        def cb(err, msg):
            if err is not None:
                errors.append(f"message {i}: {err}")
            else:
                acks[i] = {"partition": msg.partition(), "offset": msg.offset()}

        return cb

    for i, m in enumerate(req["messages"]):
        headers = [(k, enc(v)) for k, v in (m.get("headers") or {}).items()]
        producer.produce(
            req["topic"], key=enc(m["key"]), value=enc(m["value"]), partition=m["partition"], headers=headers,
            on_delivery=on_delivery(i),
        )
        producer.poll(0)
    left = producer.flush(25)
    if left > 0 or errors:
        raise SystemExit(f"produce failed: {left} undelivered, errors: {errors[:10]}")
    return {"acks": acks}


def consume(req):
    consumer = Consumer(
        {
            "bootstrap.servers": req["bootstrap"],
            "group.id": "compat-unused",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",
        }
    )
    topic = req["topic"]
    ends = {}
    for p in req["partitions"]:
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=15)
        ends[p] = high
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in req["partitions"]])
    next_offset = {p: 0 for p in req["partitions"]}
    out = []
    deadline = time.time() + req.get("timeout_s", 20)
    while any(next_offset[p] < ends[p] for p in ends):
        if time.time() > deadline:
            raise SystemExit(f"timed out reading: next offsets {next_offset}, end offsets {ends}, got {len(out)} messages")
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == -191:  # _PARTITION_EOF
                continue
            raise KafkaException(msg.error())
        p = msg.partition()
        if msg.offset() >= ends[p]:
            continue
        next_offset[p] = msg.offset() + 1
        out.append(
            {
                "partition": p,
                "offset": msg.offset(),
                "key": dec(msg.key()),
                "value": dec(msg.value()),
                "headers": {k: dec(v) for k, v in (msg.headers() or [])},
            }
        )
    consumer.close()
    return {"messages": out}


def main():
    mode = sys.argv[1]
    req = json.load(sys.stdin)
    result = produce(req) if mode == "produce" else consume(req)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
