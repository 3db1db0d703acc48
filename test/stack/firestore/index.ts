export {
  cloudSdkRoot,
  findCloudSdkRoot,
  freePort,
  startFirestoreEmulator,
  FirestoreEmulatorError,
  type FirestoreEmulator,
  type FirestoreEmulatorOptions,
} from './emulator.js';
