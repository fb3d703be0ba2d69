#!/usr/bin/python3
"""librdkafka (Debian python3-confluent-kafka) producer for the chaos harness.

One JSON argument: bootstrap, topic, partitions, process, seed, pause_ms [lo, hi], message_timeout_ms, flush_s,
idempotence (default true).
Produces values "<process>-<seq>" (key = value) with acks=all (idempotent unless "idempotence" is false) to partitions chosen by
random.Random(seed), until a line "stop" or EOF arrives on stdin; then flushes for at most flush_s seconds.
Prints JSON lines on stdout:
  {"e": "invoke", "seq": n, "p": partition}       when a message is handed to librdkafka
  {"e": "ok", "seq": n, "p": partition, "o": offset} when it is acknowledged
  {"e": "info", "seq": n, "err": "..."}           when librdkafka gives up on it (outcome unknown)
  {"e": "fatal", "err": "..."}                     on a fatal producer error (then exits 3)
"""
import json
import random
import sys
import threading
import time

from confluent_kafka import KafkaException, Producer


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    cfg = json.loads(sys.argv[1])
    rng = random.Random(cfg["seed"])
    stop = threading.Event()
    fatal = []

    def watch_stdin():
        for line in sys.stdin:
            if line.strip() == "stop":
                break
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()

    def on_error(err):
        if err.fatal():
            fatal.append(str(err))
            stop.set()

    producer = Producer(
        {
            "bootstrap.servers": cfg["bootstrap"],
            "enable.idempotence": cfg.get("idempotence", True),
            "acks": "all",
            "linger.ms": 1,
            "message.timeout.ms": cfg["message_timeout_ms"],
            "retry.backoff.ms": 100,
            "reconnect.backoff.ms": 100,
            "reconnect.backoff.max.ms": 500,
            "error_cb": on_error,
        }
    )

    def on_delivery(err, msg):
        seq = int(msg.value().decode().rsplit("-", 1)[1])
        if err is not None:
            emit({"e": "info", "seq": seq, "err": str(err)})
        else:
            emit({"e": "ok", "seq": seq, "p": msg.partition(), "o": msg.offset()})

    proc = cfg["process"]
    lo, hi = cfg["pause_ms"]
    seq = 0
    while not stop.is_set():
        partition = rng.randrange(cfg["partitions"])
        pause = rng.randint(lo, hi) / 1000.0
        value = f"{proc}-{seq}".encode()
        while not stop.is_set():
            try:
                producer.produce(cfg["topic"], key=value, value=value, partition=partition, on_delivery=on_delivery)
                emit({"e": "invoke", "seq": seq, "p": partition})
                break
            except BufferError:
                producer.poll(0.05)  # local queue full while the broker is away: wait for room
            except KafkaException as e:
                fatal.append(str(e))
                stop.set()
        seq += 1
        producer.poll(0)
        time.sleep(pause)
    producer.flush(cfg["flush_s"])
    if fatal:
        emit({"e": "fatal", "err": "; ".join(fatal)})
        sys.exit(3)


if __name__ == "__main__":
    main()
