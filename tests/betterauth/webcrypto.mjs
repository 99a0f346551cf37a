// Node.js 18 (Debian 12's nodejs package) has the Web Crypto API but not as the global `crypto`
// that better-auth uses; Node.js 20 and later have both. Imported first by server.mjs.
import { webcrypto } from "node:crypto";

if (!globalThis.crypto)
    globalThis.crypto = webcrypto;
