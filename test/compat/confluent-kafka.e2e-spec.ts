import { pythonClientSuite } from './python-suite';

jest.setTimeout(60_000);

pythonClientSuite('compat: python3-confluent-kafka (librdkafka)', 'confluent_client.py', 'confluent-kafka');
