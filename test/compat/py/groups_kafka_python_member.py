#!/usr/bin/python3
"""kafka-python consumer-group member for the group compat suite.

Usage: groups_kafka_python_member.py '<json config>'
config: {"bootstrap", "topic", "group", "session_timeout_ms", "heartbeat_interval_ms", "strategy"
         ("range" | "roundrobin" | "range,roundrobin"), "commit_every", "stop_after"}
Prints the member protocol of libs/testing/src/group-member-process.ts as JSON lines on stdout: "assignment"
(the complete owned set after every rebalance callback), "message", "committed", "error", "closed". Commits are
manual and synchronous, after processing (printing) every `commit_every` messages. SIGTERM, or reaching
`stop_after` messages, closes the consumer cleanly (LeaveGroup) without committing the uncommitted tail. A fatal
client error (poll raising, e.g. INCONSISTENT_GROUP_PROTOCOL on join) is reported as an "error" event, exit code 2.
"""
import json
import signal
import sys

from kafka import ConsumerRebalanceListener, KafkaConsumer, OffsetAndMetadata, TopicPartition
from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from kafka.errors import KafkaError

ASSIGNORS = {"range": RangePartitionAssignor, "roundrobin": RoundRobinPartitionAssignor}


def emit(**event):
    print(json.dumps(event), flush=True)


def dec(b):
    return None if b is None else b.decode("utf-8")


class Listener(ConsumerRebalanceListener):
    def __init__(self):
        self.owned = set()

    def on_partitions_revoked(self, revoked):
        self.owned.difference_update(tp.partition for tp in revoked)
        emit(event="assignment", partitions=sorted(self.owned))

    def on_partitions_assigned(self, assigned):
        self.owned.update(tp.partition for tp in assigned)
        emit(event="assignment", partitions=sorted(self.owned))


def main():
    cfg = json.loads(sys.argv[1])
    topic = cfg["topic"]
    commit_every = cfg.get("commit_every", 1)
    stop_after = cfg.get("stop_after")
    strategies = [ASSIGNORS[s] for s in cfg.get("strategy", "range,roundrobin").split(",")]
    consumer = KafkaConsumer(
        bootstrap_servers=cfg["bootstrap"],
        group_id=cfg["group"],
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=cfg["session_timeout_ms"],
        heartbeat_interval_ms=cfg.get("heartbeat_interval_ms", 500),
        partition_assignment_strategy=strategies,
    )
    consumer.subscribe([topic], listener=Listener())
    running = [True]
    signal.signal(signal.SIGTERM, lambda *_: running.__setitem__(0, False))

    processed = 0
    pending = {}
    while running[0] and (stop_after is None or processed < stop_after):
        try:
            batches = consumer.poll(timeout_ms=200)
        except KafkaError as e:
            # Fatal for the member (e.g. INCONSISTENT_GROUP_PROTOCOL on join): report it and give up.
            emit(event="error", message=f"poll failed: {e!r}")
            consumer.close(autocommit=False)
            sys.exit(2)
        for tp, records in batches.items():
            for r in records:
                if stop_after is not None and processed >= stop_after:
                    break
                emit(event="message", partition=r.partition, offset=r.offset, key=dec(r.key), value=dec(r.value))
                processed += 1
                pending[r.partition] = r.offset + 1
                if processed % commit_every == 0:
                    offsets, pending = pending, {}
                    try:
                        consumer.commit({TopicPartition(topic, p): OffsetAndMetadata(o, "") for p, o in offsets.items()})
                        emit(event="committed", offsets={str(p): o for p, o in offsets.items()})
                    except KafkaError as e:
                        emit(event="error", message=f"commit failed: {e!r}")
    consumer.close(autocommit=False)
    emit(event="closed")


if __name__ == "__main__":
    main()
