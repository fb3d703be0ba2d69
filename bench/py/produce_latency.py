#!/usr/bin/python3
"""Open-loop produce latency with librdkafka (confluent-kafka-python), for bench/src/tributary/broker-latency.ts.

Usage: produce_latency.py '<json>' with keys bootstrap, topic, rate (msgs/s), seconds, size (value bytes),
acks ("1" | "all"), mode ("produce" | "end-to-end").

Message i is due at t0 + i/rate and its value carries that scheduled time (first 8 bytes, big-endian double,
time.perf_counter = CLOCK_MONOTONIC). Latency is measured from the scheduled time, not from the actual send, so
a stalled client or broker shows up as latency instead of silently lowering the rate (no coordinated omission).
  produce:    delivery report time - scheduled time (acks as given).
  end-to-end: time a consumer in this process (another thread) receives the message - scheduled time.
A poller thread blocks in Producer.poll so delivery reports are timed as they arrive, while the sender thread
sleeps until each message is due. Prints one JSON object on stdout: client (versions), sent, errors,
first_error, send_lag_p99_ms (actual send - scheduled: how far the client itself fell behind) and
latencies_ms (one per message).
"""
import json
import struct
import sys
import threading
import time

import confluent_kafka
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition

STAMP = struct.Struct(">d")
now = time.perf_counter
FLUSH_S = 30.0


def main():
    cfg = json.loads(sys.argv[1])
    rate, seconds, size = float(cfg["rate"]), float(cfg["seconds"]), int(cfg["size"])
    topic, mode = cfg["topic"], cfg["mode"]
    total = int(rate * seconds)
    pad = b"x" * (size - STAMP.size)
    latencies = []
    errors = [0, None]

    def on_delivery(err, msg):
        t = now()
        if err is not None:
            errors[0] += 1
            errors[1] = errors[1] or str(err)
            return
        sched = STAMP.unpack_from(msg.value())[0]
        if mode == "produce" and sched >= 0:
            latencies.append((t - sched) * 1000.0)

    producer = Producer(
        {
            "bootstrap.servers": cfg["bootstrap"],
            "acks": cfg["acks"],
            # Latency, not throughput: send as soon as a message is queued (batches still form under load).
            "linger.ms": 0,
            "enable.idempotence": False,
            "message.timeout.ms": 60000,
            "on_delivery": on_delivery,
        }
    )
    stop = threading.Event()

    def poll_loop():
        while not stop.is_set():
            producer.poll(0.05)

    consumer = None
    receiver = None
    if mode == "end-to-end":
        consumer, receiver = start_consumer(cfg, total, latencies)

    # Warm up: connection, metadata and (end-to-end) the consumer's first fetch; stamp -1 is not measured.
    for _ in range(10):
        producer.produce(topic, STAMP.pack(-1.0) + pad, partition=0)
    if producer.flush(FLUSH_S) != 0 or errors[0]:
        fail("warm-up messages were not delivered: %s" % (errors[1] or "timeout"))

    poller = threading.Thread(target=poll_loop, daemon=True)
    poller.start()
    interval = 1.0 / rate
    t0 = now() + 0.01
    lags = []
    i = 0
    while i < total:
        due = t0 + i * interval
        wait = due - now()
        if wait > 0:
            time.sleep(wait)
        t = now()
        # Send everything due by now (after a late wake-up, several at once, each stamped with its own slot).
        while i < total and t0 + i * interval <= t:
            sched = t0 + i * interval
            value = STAMP.pack(sched) + pad
            while True:
                try:
                    producer.produce(topic, value, partition=0)
                    break
                except BufferError:
                    time.sleep(0.001)  # local queue full: the delay counts, since sched stays fixed
            lags.append(now() - sched)
            i += 1

    remaining = producer.flush(FLUSH_S)
    stop.set()
    poller.join()
    if remaining:
        fail("%d of %d messages still undelivered %.0f s after the last send" % (remaining, total, FLUSH_S))
    if receiver is not None:
        receiver.join(FLUSH_S)
        consumer.close()
        if receiver.is_alive():
            fail("the consumer received %d of %d messages within %.0f s" % (len(latencies), total, FLUSH_S))

    lags.sort()
    out = {
        "client": "confluent-kafka-python %s, librdkafka %s"
        % (confluent_kafka.version()[0], confluent_kafka.libversion()[0]),
        "sent": total,
        "errors": errors[0],
        "first_error": errors[1],
        "send_lag_p99_ms": lags[int(0.99 * (len(lags) - 1))] * 1000.0 if lags else 0.0,
        "latencies_ms": [round(x, 4) for x in latencies],
    }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


def start_consumer(cfg, total, latencies):
    """Assigns partition 0 from the beginning; returns once the first fetch answered (partition EOF)."""
    consumer = Consumer(
        {
            "bootstrap.servers": cfg["bootstrap"],
            "group.id": "bench-e2e-" + cfg["topic"],
            "enable.auto.commit": False,
            "enable.partition.eof": True,
        }
    )
    consumer.assign([TopicPartition(cfg["topic"], 0, OFFSET_BEGINNING)])
    deadline = now() + FLUSH_S
    ready = False
    while not ready:
        if now() > deadline:
            fail("the consumer got no answer to its first fetch within %.0f s" % FLUSH_S)
        for m in consumer.consume(100, 0.1):
            err = m.error()
            if err is not None and err.code() != KafkaError._PARTITION_EOF:
                fail("consumer error: %s" % err)
            ready = ready or err is not None

    def receive():
        got = 0
        while got < total:
            # poll returns as soon as one message is there; consume(n, 0) then takes what else has arrived
            # (consume(n, timeout) would wait for n messages or the whole timeout).
            first = consumer.poll(0.1)
            if first is None:
                continue
            t = now()  # one receive time per batch: the whole batch arrived together
            for m in [first] + consumer.consume(1000, 0):
                if m.error() is not None:
                    continue
                sched = STAMP.unpack_from(m.value())[0]
                if sched >= 0:
                    latencies.append((t - sched) * 1000.0)
                    got += 1

    thread = threading.Thread(target=receive, daemon=True)
    thread.start()
    return consumer, thread


def fail(message):
    sys.stderr.write("produce_latency.py: %s\n" % message)
    sys.exit(2)


if __name__ == "__main__":
    main()
