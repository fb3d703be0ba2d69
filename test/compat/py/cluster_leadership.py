#!/usr/bin/python3
"""One long-lived producer and one long-lived consumer of a Python client, for cluster-leadership.e2e-spec.ts.

Usage: cluster_leadership.py kafka-python|confluent '{"bootstrap": ..., "topic": ..., "partition": 0}'
The consumer reads the partition from the beginning (assign, no group) for the whole life of the process; the
producer (acks=all, retries on) sends whatever the test asks for. Neither is ever recreated, so both have to
follow the partition's leader when it moves.

stdin, one command a line:
  produce <prefix> <n> <pause_ms>   send "<prefix>-0" .. "<prefix>-<n-1>", pause_ms apart, then wait for every outcome
  stop                              close both clients and exit 0
stdout, JSON lines:
  {"e": "ready"}                                   both clients are up
  {"e": "ack", "value": v, "offset": o}            the broker acknowledged v at offset o
  {"e": "error", "value": v, "err": "..."}         the client gave up on v (it may or may not be stored)
  {"e": "done", "prefix": p}                       every message of a produce command has an outcome
  {"e": "consumed", "value": v, "offset": o}       the consumer received v at offset o
"""
import json
import sys
import threading
import time

out_lock = threading.Lock()


def emit(obj):
    with out_lock:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


class KafkaPythonClient:
    def __init__(self, cfg):
        from kafka import KafkaConsumer, KafkaProducer, TopicPartition

        self.cfg = cfg
        # kafka-python 2.0 has no idempotence: a retry after a lost answer may store a message twice.
        self.producer = KafkaProducer(
            bootstrap_servers=cfg["bootstrap"],
            acks="all",
            retries=100,
            retry_backoff_ms=200,
            max_in_flight_requests_per_connection=1,
            request_timeout_ms=5000,
            reconnect_backoff_ms=100,
            reconnect_backoff_max_ms=1000,
        )
        self.consumer = KafkaConsumer(
            bootstrap_servers=cfg["bootstrap"],
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            request_timeout_ms=5000,
            reconnect_backoff_ms=100,
            reconnect_backoff_max_ms=1000,
        )
        tp = TopicPartition(cfg["topic"], cfg["partition"])
        self.consumer.assign([tp])
        self.consumer.seek_to_beginning(tp)

    def produce(self, values, pause_s):
        futures = []
        for v in values:
            futures.append((v, self.producer.send(self.cfg["topic"], value=v.encode(), partition=self.cfg["partition"])))
            time.sleep(pause_s)
        self.producer.flush(timeout=60)
        for v, f in futures:
            try:
                md = f.get(timeout=60)
                emit({"e": "ack", "value": v, "offset": md.offset})
            except Exception as e:  # noqa: BLE001 - any failure is an outcome to report
                emit({"e": "error", "value": v, "err": repr(e)})

    def poll(self):
        for records in self.consumer.poll(timeout_ms=200).values():
            for r in records:
                emit({"e": "consumed", "value": r.value.decode(), "offset": r.offset})

    def close(self):
        self.producer.close(timeout=10)
        self.consumer.close()


class ConfluentClient:
    def __init__(self, cfg):
        from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

        self.cfg = cfg
        self.producer = Producer(
            {
                "bootstrap.servers": cfg["bootstrap"],
                "acks": "all",
                "enable.idempotence": True,
                "linger.ms": 1,
                "message.timeout.ms": 60000,
                "retry.backoff.ms": 200,
                "reconnect.backoff.ms": 100,
                "reconnect.backoff.max.ms": 1000,
            }
        )
        self.consumer = Consumer(
            {
                "bootstrap.servers": cfg["bootstrap"],
                "group.id": "cluster-leadership-unused",
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",
                "reconnect.backoff.ms": 100,
                "reconnect.backoff.max.ms": 1000,
            }
        )
        self.consumer.assign([TopicPartition(cfg["topic"], cfg["partition"], OFFSET_BEGINNING)])

    def produce(self, values, pause_s):
        def on_delivery(err, msg):
            v = msg.value().decode()
            if err is not None:
                emit({"e": "error", "value": v, "err": str(err)})
            else:
                emit({"e": "ack", "value": v, "offset": msg.offset()})

        for v in values:
            self.producer.produce(self.cfg["topic"], value=v.encode(), partition=self.cfg["partition"], on_delivery=on_delivery)
            self.producer.poll(0)
            time.sleep(pause_s)
        left = self.producer.flush(90)
        if left > 0:
            raise SystemExit(f"{left} messages still undelivered after 90 s")

    def poll(self):
        msg = self.consumer.poll(0.2)
        if msg is None:
            return
        if msg.error():
            if msg.error().code() == -191:  # _PARTITION_EOF
                return
            emit({"e": "consumer-error", "err": str(msg.error())})
            return
        emit({"e": "consumed", "value": msg.value().decode(), "offset": msg.offset()})

    def close(self):
        self.producer.flush(10)
        self.consumer.close()


def main():
    kind = sys.argv[1]
    cfg = json.loads(sys.argv[2])
    client = KafkaPythonClient(cfg) if kind == "kafka-python" else ConfluentClient(cfg)
    stop = threading.Event()
    failure = []

    def consume():
        try:
            while not stop.is_set():
                client.poll()
        except Exception as e:  # noqa: BLE001 - reported, then the process exits non-zero
            failure.append(repr(e))
            emit({"e": "consumer-failed", "err": repr(e)})

    reader = threading.Thread(target=consume, daemon=True)
    reader.start()
    emit({"e": "ready"})
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "stop":
            break
        if words[0] == "produce":
            prefix, n, pause_ms = words[1], int(words[2]), int(words[3])
            client.produce([f"{prefix}-{i}" for i in range(n)], pause_ms / 1000.0)
            emit({"e": "done", "prefix": prefix})
    stop.set()
    reader.join(10)
    client.close()
    if failure:
        sys.exit(3)


if __name__ == "__main__":
    main()
