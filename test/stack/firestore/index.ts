export { cloudSdkRoot, freePort, startFirestoreEmulator, type FirestoreEmulator } from './emulator.js';
