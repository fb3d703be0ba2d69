import { Inject, Injectable } from '@nestjs/common';
import type { TopicInfo } from '@tributary/cluster';
import { ApiKey, ErrorCode, MetadataRequest, MetadataResponse } from '@tributary/protocol';
import { BROKER_CONFIG } from '../broker.tokens';
import type { BrokerConfig } from '../config/broker-config';
import { CoordinatorController } from '../metadata/coordinator-controller';
import { MetadataCache } from '../metadata/metadata-cache';
import { ControllerError, TopicController } from '../metadata/topic-controller';
import type { ApiHandler, RequestContext } from './api-handler';

type TopicEntry = MetadataResponse['topics'][number];

/** Longest a Metadata request waits for a starting cluster-mode broker to catch up with the coordinator. */
const CATCH_UP_WAIT_MS = 5000;

/**
 * Metadata v0-8. v0 treats an empty topic list as "all topics"; v1+ uses null for all and [] for none.
 * Unknown topics are auto-created when `auto.create.topics.enable` is on and (v4+) the client allows it.
 */
@Injectable()
export class MetadataHandler implements ApiHandler<typeof MetadataRequest, typeof MetadataResponse> {
  readonly apiKey = ApiKey.Metadata;
  readonly minVersion = 0;
  readonly maxVersion = 8;
  readonly request = MetadataRequest;
  readonly response = MetadataResponse;

  constructor(
    private readonly metadata: MetadataCache,
    private readonly controller: TopicController,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
  ) {}

  async handle(req: MetadataRequest, ctx: RequestContext): Promise<MetadataResponse> {
    const mark = this.metadata.refreshMark();
    await this.caughtUp();
    const all = req.topics === null || (ctx.apiVersion === 0 && req.topics.length === 0);
    const autoCreate =
      this.config['auto.create.topics.enable'] && (ctx.apiVersion < 4 || req.allowAutoTopicCreation);
    const topics: TopicEntry[] = [];
    if (all) {
      for (const t of this.metadata.topics()) topics.push(describe(t));
    } else {
      for (const { name } of req.topics ?? []) {
        if (name === null) continue;
        topics.push(await this.lookup(name, autoCreate, mark));
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: this.metadata
        .brokers()
        .map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
      clusterId: this.metadata.clusterId(),
      controllerId: this.metadata.controllerId(),
      topics,
      clusterAuthorizedOperations: -2147483648,
    };
  }

  /**
   * Cluster mode: the listener opens before the broker has registered and loaded the cluster metadata, and an
   * answer from that empty view (no brokers, no topics) makes clients drop what they know. Wait until the
   * registration entry is applied (bounded: with the coordinator away, answer with what there is).
   */
  private async caughtUp(): Promise<void> {
    const c = this.metadata;
    if (!(c instanceof CoordinatorController)) return;
    const ready = (): boolean => c.brokerEpoch >= 0 && c.metadataOffset >= c.brokerEpoch;
    for (let waited = 0; !ready() && waited < CATCH_UP_WAIT_MS; waited += 50) {
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async lookup(name: string, autoCreate: boolean, mark: number): Promise<TopicEntry> {
    let known = this.metadata.topic(name);
    const wait = known ? null : this.metadata.refreshedSince(mark);
    if (wait) {
      await wait;
      known = this.metadata.topic(name);
    }
    if (known) return describe(known);
    if (!autoCreate) return missing(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    try {
      const created = await this.controller.createTopic({
        name,
        numPartitions: this.config['num.partitions'],
        replicationFactor: this.config['default.replication.factor'],
        configs: {},
      });
      return describe(created);
    } catch (e) {
      if (e instanceof ControllerError) {
        // A concurrent request may have created it first.
        const now = this.metadata.topic(name);
        return now ? describe(now) : missing(name, e.code);
      }
      throw e;
    }
  }
}

function describe(t: TopicInfo): TopicEntry {
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    isInternal: t.internal,
    partitions: t.partitions.map((p) => ({
      errorCode: ErrorCode.NONE,
      partitionIndex: p.partition,
      leaderId: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: p.replicas,
      isrNodes: p.isr,
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: -2147483648,
  };
}

function missing(name: string, errorCode: number): TopicEntry {
  return { errorCode, name, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648 };
}
