#!/usr/bin/python3
"""confluent-kafka-python (librdkafka) consumer-group member for the group compat suite.

Usage: groups_confluent_member.py '<json config>'
config: {"bootstrap", "topic", "group", "session_timeout_ms", "heartbeat_interval_ms", "strategy",
         "commit_every", "stop_after"}
Prints the member protocol of libs/testing/src/group-member-process.ts as JSON lines on stdout: "assignment"
(the complete owned set after every callback), "message", "committed", "error", "closed". Commits are manual and
synchronous, after processing (printing) every `commit_every` messages. SIGTERM, or reaching `stop_after`
messages, closes the consumer cleanly (LeaveGroup) without committing the uncommitted tail.
"""
import json
import signal
import sys

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition


def emit(**event):
    print(json.dumps(event), flush=True)


def dec(b):
    return None if b is None else b.decode("utf-8")


def main():
    cfg = json.loads(sys.argv[1])
    topic = cfg["topic"]
    commit_every = cfg.get("commit_every", 1)
    stop_after = cfg.get("stop_after")
    consumer = Consumer(
        {
            "bootstrap.servers": cfg["bootstrap"],
            "group.id": cfg["group"],
            "session.timeout.ms": cfg["session_timeout_ms"],
            "heartbeat.interval.ms": cfg.get("heartbeat_interval_ms", 500),
            "partition.assignment.strategy": cfg.get("strategy", "range"),
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )
    owned = set()

    # Eager and cooperative protocols both fit "add what is assigned, drop what is revoked or lost":
    # eager revokes everything before assigning the complete new set.
    def on_assign(_consumer, partitions):
        owned.update(tp.partition for tp in partitions)
        emit(event="assignment", partitions=sorted(owned))

    def on_revoke(_consumer, partitions):
        owned.difference_update(tp.partition for tp in partitions)
        emit(event="assignment", partitions=sorted(owned))

    consumer.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_revoke)
    running = [True]
    signal.signal(signal.SIGTERM, lambda *_: running.__setitem__(0, False))

    processed = 0
    pending = {}
    while running[0]:
        msg = consumer.poll(0.2)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() != KafkaError._PARTITION_EOF:
                emit(event="error", message=f"consume error: {msg.error()}")
            continue
        emit(event="message", partition=msg.partition(), offset=msg.offset(), key=dec(msg.key()), value=dec(msg.value()))
        processed += 1
        pending[msg.partition()] = msg.offset() + 1
        if processed % commit_every == 0:
            offsets, pending = pending, {}
            try:
                result = consumer.commit(
                    offsets=[TopicPartition(topic, p, o) for p, o in offsets.items()], asynchronous=False
                )
                failed = [f"{tp.partition}: {tp.error}" for tp in result or [] if tp.error]
                if failed:
                    emit(event="error", message=f"commit failed for partitions {failed}")
                else:
                    emit(event="committed", offsets={str(p): o for p, o in offsets.items()})
            except KafkaException as e:
                emit(event="error", message=f"commit failed: {e}")
        if stop_after is not None and processed >= stop_after:
            break
    consumer.close()
    emit(event="closed")


if __name__ == "__main__":
    main()
