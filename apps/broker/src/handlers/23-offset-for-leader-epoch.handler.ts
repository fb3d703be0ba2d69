import { Injectable } from '@nestjs/common';
import {
  ApiKey,
  ErrorCode,
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse,
} from '@tributary/protocol';
import { MetadataCache } from '../metadata/metadata-cache';
import { PartitionManager } from '../partitions/partition-manager';
import type { ApiHandler } from './api-handler';

type PartitionResult = OffsetForLeaderEpochResponse['topics'][number]['partitions'][number];

/**
 * OffsetForLeaderEpoch v0-3: where a leader epoch ends in the leader's log (the largest epoch at or below the
 * one asked for, and the start offset of the next one, or the log end for the current epoch). Followers ask it
 * before fetching from a new leader to cut a divergent tail (KIP-101/279); consumers (replica_id -1, KIP-320)
 * ask it after a leader change to check their position was not truncated away. Only the leader answers; a
 * current_leader_epoch (v2+) older than ours is FENCED_LEADER_EPOCH, a newer one UNKNOWN_LEADER_EPOCH.
 */
@Injectable()
export class OffsetForLeaderEpochHandler implements ApiHandler<
  typeof OffsetForLeaderEpochRequest,
  typeof OffsetForLeaderEpochResponse
> {
  readonly apiKey = ApiKey.OffsetForLeaderEpoch;
  readonly minVersion = 0;
  readonly maxVersion = 3;
  readonly request = OffsetForLeaderEpochRequest;
  readonly response = OffsetForLeaderEpochResponse;

  constructor(
    private readonly partitions: PartitionManager,
    private readonly metadata: MetadataCache,
  ) {}

  handle(req: OffsetForLeaderEpochRequest): OffsetForLeaderEpochResponse {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p): PartitionResult => {
          const out: PartitionResult = {
            errorCode: ErrorCode.NONE,
            partition: p.partition,
            leaderEpoch: -1,
            endOffset: -1,
          };
          const partition = this.partitions.get(t.topic, p.partition);
          if (partition === undefined) {
            const exists = this.metadata.topic(t.topic)?.partitions[p.partition] !== undefined;
            out.errorCode = exists ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
            return out;
          }
          // As Kafka: the epoch check comes first, so a client with stale metadata learns it is stale.
          const epochError = partition.checkLeaderEpoch(p.currentLeaderEpoch);
          if (epochError !== ErrorCode.NONE) {
            out.errorCode = epochError;
            return out;
          }
          if (!partition.isLeader) {
            out.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
            return out;
          }
          const found = partition.endOffsetForEpoch(p.leaderEpoch);
          out.leaderEpoch = found.epoch;
          out.endOffset = found.endOffset;
          return out;
        }),
      })),
    };
  }
}
