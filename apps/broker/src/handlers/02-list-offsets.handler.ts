import { Injectable } from '@nestjs/common';
import { ApiKey, ErrorCode, ListOffsetsRequest, ListOffsetsResponse } from '@tributary/protocol';
import { MetadataCache } from '../metadata/metadata-cache';
import { PartitionManager } from '../partitions/partition-manager';
import type { ApiHandler } from './api-handler';

const LATEST = -1;
const EARLIEST = -2;

/**
 * ListOffsets v0-5: latest (-1) is the high watermark (the last stable offset too: no transactions),
 * earliest (-2) the log start offset, otherwise the first offset whose batch has a timestamp at or
 * after the one asked for, or -1 when there is none. v4+: the leader epoch of the answer (the current one for
 * latest, the one that wrote the offset otherwise, as Kafka), and current_leader_epoch checked first
 * (FENCED_LEADER_EPOCH when older than ours, UNKNOWN_LEADER_EPOCH when newer).
 */
@Injectable()
export class ListOffsetsHandler implements ApiHandler<typeof ListOffsetsRequest, typeof ListOffsetsResponse> {
  readonly apiKey = ApiKey.ListOffsets;
  readonly minVersion = 0;
  readonly maxVersion = 5;
  readonly request = ListOffsetsRequest;
  readonly response = ListOffsetsResponse;

  constructor(
    private readonly partitions: PartitionManager,
    private readonly metadata: MetadataCache,
  ) {}

  handle(req: ListOffsetsRequest): ListOffsetsResponse {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const failed = (
            errorCode: number,
          ): ListOffsetsResponse['topics'][number]['partitions'][number] => ({
            partitionIndex: p.partitionIndex,
            errorCode,
            oldStyleOffsets: [],
            timestamp: -1,
            offset: -1,
            leaderEpoch: -1,
          });
          const partition = this.partitions.get(t.name, p.partitionIndex);
          if (partition === undefined) {
            const exists = this.metadata.topic(t.name)?.partitions[p.partitionIndex] !== undefined;
            return failed(exists ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          }
          const epochError = partition.checkLeaderEpoch(p.currentLeaderEpoch);
          if (epochError !== ErrorCode.NONE) return failed(epochError);
          if (!partition.isLeader) return failed(ErrorCode.NOT_LEADER_OR_FOLLOWER);
          let offset = -1;
          let timestamp = -1;
          let leaderEpoch = -1;
          if (p.timestamp === LATEST) {
            offset = partition.highWatermark;
            leaderEpoch = partition.leaderEpoch;
          } else if (p.timestamp === EARLIEST) {
            offset = partition.logStartOffset;
            leaderEpoch = partition.epochForOffset(offset);
          } else {
            const found = partition.log.offsetForTimestamp(p.timestamp);
            if (found) {
              offset = found.offset;
              timestamp = found.timestamp;
              leaderEpoch = partition.epochForOffset(offset);
            }
          }
          return {
            partitionIndex: p.partitionIndex,
            errorCode: ErrorCode.NONE,
            oldStyleOffsets: offset >= 0 ? [offset] : [],
            timestamp,
            offset,
            leaderEpoch,
          };
        }),
      })),
    };
  }
}
