export { startSecretManagerFake, type SecretManagerFake } from './server.js';
