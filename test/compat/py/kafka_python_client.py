#!/usr/bin/python3
"""kafka-python (Debian python3-kafka) driver for the compat suite.

Usage: kafka_python_client.py produce|consume  < request.json  > result.json
produce: {"bootstrap", "topic", "codec", "acks", "messages": [{"partition", "key", "value", "headers": {}}]}
         -> {"acks": [{"partition", "offset"}]}
consume: {"bootstrap", "topic", "partitions": [..], "timeout_s"}
         -> {"messages": [{"partition", "offset", "key", "value", "headers": {}}]} read from the beginning up to
            the end offsets seen at start, with plain partition assignment (no consumer group).
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def enc(s):
    return None if s is None else s.encode("utf-8")


def dec(b):
    return None if b is None else b.decode("utf-8")


def produce(req):
    codec = req["codec"]
    producer = KafkaProducer(
        bootstrap_servers=req["bootstrap"],
        compression_type=None if codec == "none" else codec,
        acks=req.get("acks", "all") if req.get("acks", "all") == "all" else int(req["acks"]),
        linger_ms=5,
        retries=0,
        request_timeout_ms=15000,
    )
    futures = []
    for m in req["messages"]:
        headers = [(k, enc(v)) for k, v in (m.get("headers") or {}).items()]
        futures.append(
            producer.send(req["topic"], key=enc(m["key"]), value=enc(m["value"]), headers=headers, partition=m["partition"])
        )
    producer.flush(timeout=20)
    acks = []
    for f in futures:
        md = f.get(timeout=20)
        acks.append({"partition": md.partition, "offset": md.offset})
    producer.close(timeout=5)
    return {"acks": acks}


def consume(req):
    consumer = KafkaConsumer(
        bootstrap_servers=req["bootstrap"],
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        request_timeout_ms=15000,
    )
    tps = [TopicPartition(req["topic"], p) for p in req["partitions"]]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    end = consumer.end_offsets(tps)
    out = []
    deadline = time.time() + req.get("timeout_s", 20)
    while any(consumer.position(tp) < end[tp] for tp in tps):
        if time.time() > deadline:
            positions = {tp.partition: consumer.position(tp) for tp in tps}
            ends = {tp.partition: end[tp] for tp in tps}
            raise SystemExit(f"timed out reading: positions {positions}, end offsets {ends}, got {len(out)} messages")
        for tp, records in consumer.poll(timeout_ms=500).items():
            for r in records:
                if r.offset >= end[tp]:
                    continue
                out.append(
                    {
                        "partition": r.partition,
                        "offset": r.offset,
                        "key": dec(r.key),
                        "value": dec(r.value),
                        "headers": {k: dec(v) for k, v in (r.headers or [])},
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
