export { startSecretManagerFake, type SecretManagerFake, type SecretManagerFakeOptions } from './server.js';
export { crc32c } from './crc32c.js';
