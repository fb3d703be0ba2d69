import { Inject, Injectable } from '@nestjs/common';
import { ApiKey, DescribeConfigsRequest, DescribeConfigsResponse, ErrorCode } from '@tributary/protocol';
import { BROKER_CONFIG } from '../broker.tokens';
import { BROKER_SETTINGS, type BrokerConfig } from '../config/broker-config';
import { MetadataCache } from '../metadata/metadata-cache';
import { STATIC_TOPIC_DEFAULTS, TOPIC_CONFIG_DEFAULTS } from '../metadata/topic-configs';
import type { ApiHandler, RequestContext } from './api-handler';

const TOPIC = 2;
const BROKER = 4;
/** KIP-226 config sources. */
const SOURCE_TOPIC = 1;
const SOURCE_STATIC_BROKER = 4;
const SOURCE_DEFAULT = 5;

type Result = DescribeConfigsResponse['results'][number];
type Entry = Result['configs'][number];

/** DescribeConfigs v0-2 for topics (overrides, else broker defaults) and this broker's own settings. */
@Injectable()
export class DescribeConfigsHandler implements ApiHandler<
  typeof DescribeConfigsRequest,
  typeof DescribeConfigsResponse
> {
  readonly apiKey = ApiKey.DescribeConfigs;
  readonly minVersion = 0;
  readonly maxVersion = 2;
  readonly request = DescribeConfigsRequest;
  readonly response = DescribeConfigsResponse;

  constructor(
    private readonly metadata: MetadataCache,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
  ) {}

  handle(req: DescribeConfigsRequest, ctx: RequestContext): DescribeConfigsResponse {
    const results = req.resources.map((r): Result => {
      const base = {
        resourceType: r.resourceType,
        resourceName: r.resourceName,
        errorMessage: null as string | null,
      };
      let entries: Entry[];
      if (r.resourceType === TOPIC) {
        const topic = this.metadata.topic(r.resourceName);
        if (!topic)
          return {
            ...base,
            errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            errorMessage: `topic "${r.resourceName}" does not exist`,
            configs: [],
          };
        entries = Object.entries(TOPIC_CONFIG_DEFAULTS).map(([name, brokerKey]) => {
          const override = topic.configs[name];
          const value =
            override ?? (brokerKey ? String(this.config[brokerKey]) : (STATIC_TOPIC_DEFAULTS[name] ?? null));
          return entry(name, value, override !== undefined ? SOURCE_TOPIC : SOURCE_DEFAULT, false);
        });
      } else if (r.resourceType === BROKER) {
        if (r.resourceName !== '' && r.resourceName !== String(this.config['node.id'])) {
          return {
            ...base,
            errorCode: ErrorCode.INVALID_REQUEST,
            errorMessage: `this is broker ${this.config['node.id']}, not ${r.resourceName}`,
            configs: [],
          };
        }
        entries = (Object.keys(BROKER_SETTINGS) as (keyof BrokerConfig)[]).map((k) => {
          const v = this.config[k];
          return entry(
            k,
            v === null ? null : String(v),
            v === BROKER_SETTINGS[k].default ? SOURCE_DEFAULT : SOURCE_STATIC_BROKER,
            true,
          );
        });
      } else {
        return {
          ...base,
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: `resource type ${r.resourceType} is not supported; use 2 (topic) or 4 (broker)`,
          configs: [],
        };
      }
      const wanted = r.configurationKeys;
      if (wanted && wanted.length > 0) entries = entries.filter((e) => wanted.includes(e.name));
      if (ctx.apiVersion === 0 || !req.includeSynonyms) for (const e of entries) e.synonyms = [];
      return { ...base, errorCode: ErrorCode.NONE, configs: entries };
    });
    return { throttleTimeMs: 0, results };
  }
}

function entry(name: string, value: string | null, source: number, readOnly: boolean): Entry {
  return {
    name,
    value,
    readOnly,
    isDefault: source === SOURCE_DEFAULT,
    configSource: source,
    isSensitive: false,
    synonyms: [{ name, value, source }],
  };
}
