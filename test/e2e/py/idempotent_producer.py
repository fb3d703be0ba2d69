#!/usr/bin/python3
"""librdkafka (Debian python3-confluent-kafka) idempotent producer for the idempotent-producer e2e test.

JSON request on stdin: bootstrap, topic, partitions, count (messages per partition), pause_ms (between sends).
Produces keys "p<partition>-<i>" with values "<i>" in order to each partition with enable.idempotence=true and
generous retry limits, so a broker restart mid-stream is ridden out by retries. Prints one JSON line:
{"acked": [{"partition", "offset", "key", "value"}], "errors": ["..."]} and exits 0 even when some messages failed
(the test decides what failures mean).
"""
import json
import sys
import time

from confluent_kafka import Producer


def main():
    req = json.load(sys.stdin)
    producer = Producer(
        {
            "bootstrap.servers": req["bootstrap"],
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 2,
            "message.timeout.ms": 90000,
            "retry.backoff.ms": 100,
            "reconnect.backoff.ms": 100,
            "reconnect.backoff.max.ms": 500,
        }
    )
    acked = []
    errors = []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(f"{msg.key().decode()}: {err}")
        else:
            acked.append(
                {"partition": msg.partition(), "offset": msg.offset(), "key": msg.key().decode(), "value": msg.value().decode()}
            )

    pause = req.get("pause_ms", 1) / 1000.0
    for i in range(req["count"]):
        for p in req["partitions"]:
            while True:
                try:
                    producer.produce(req["topic"], key=f"p{p}-{i}".encode(), value=str(i).encode(), partition=p, on_delivery=on_delivery)
                    break
                except BufferError:
                    producer.poll(0.05)  # local queue full while the broker is down: wait for room
        producer.poll(0)
        time.sleep(pause)
    left = producer.flush(120)
    if left > 0:
        errors.append(f"{left} messages still undelivered after flush")
    print(json.dumps({"acked": acked, "errors": errors}))


if __name__ == "__main__":
    main()
