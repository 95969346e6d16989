// Reads the engine's settings from the environment and reports every problem at once.

const TOPIC_PATTERN = /^projects\/[^/]+\/topics\/[^/]+$/;
const HOST_PORT_PATTERN = /^[^\s/:]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/;

/**
 * Parses a boolean setting that must be "true" or "false"; unset or empty gives the default.
 * @returns {boolean | undefined} undefined when the value is invalid.
 */
function parseBoolean(value, defaultValue) {
  if (value === undefined || value === '') {
    return defaultValue;
  }
  if (value === 'true') {
    return true;
  }
  if (value === 'false') {
    return false;
  }
  return undefined;
}

/**
 * Builds the configuration from environment variables.
 * Throws one Error that lists every invalid variable.
 */
export function readConfig(env = process.env) {
  const problems = [];

  const host = env.FHIR_HOST || '127.0.0.1';

  const portText = env.FHIR_PORT || '8090';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    problems.push(`FHIR_PORT must be an integer from 0 to 65535, got "${portText}"`);
  }

  const pubsubHost = env.PUBSUB_EMULATOR_HOST || '';
  if (pubsubHost && !HOST_PORT_PATTERN.test(pubsubHost)) {
    problems.push(`PUBSUB_EMULATOR_HOST must be host:port, got "${pubsubHost}"`);
  }

  const topic = env.FHIR_NOTIFICATION_TOPIC || '';
  if (topic && !TOPIC_PATTERN.test(topic)) {
    problems.push(`FHIR_NOTIFICATION_TOPIC must be projects/PROJECT/topics/TOPIC, got "${topic}"`);
  }
  if (topic && !pubsubHost) {
    problems.push('FHIR_NOTIFICATION_TOPIC is set but PUBSUB_EMULATOR_HOST is missing: set both, or unset the topic');
  }

  const sendFullResource = parseBoolean(env.FHIR_SEND_FULL_RESOURCE, false);
  if (sendFullResource === undefined) {
    problems.push(`FHIR_SEND_FULL_RESOURCE must be "true" or "false", got "${env.FHIR_SEND_FULL_RESOURCE}"`);
  }

  const sendPreviousResourceOnDelete = parseBoolean(env.FHIR_SEND_PREVIOUS_RESOURCE_ON_DELETE, false);
  if (sendPreviousResourceOnDelete === undefined) {
    problems.push(
      `FHIR_SEND_PREVIOUS_RESOURCE_ON_DELETE must be "true" or "false", got "${env.FHIR_SEND_PREVIOUS_RESOURCE_ON_DELETE}"`
    );
  }

  if (problems.length > 0) {
    throw new Error('invalid configuration: ' + problems.join('; '));
  }

  return {
    host,
    port,
    notifications: {
      pubsubHost,
      topic,
      sendFullResource,
      sendPreviousResourceOnDelete,
    },
  };
}
