import { pythonClientSuite } from './python-suite';

jest.setTimeout(60_000);

pythonClientSuite('compat: python3-kafka (kafka-python)', 'kafka_python_client.py', 'kafka-python');
