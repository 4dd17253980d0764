/* fuzz_key — the P-256 public key that signed the PASSporTs of the identity, sip and http
 * seeds (written by tests/fuzz/mkseeds.sh; its private half was thrown away). */
#ifndef DANECID_FUZZ_KEY_H
#define DANECID_FUZZ_KEY_H

static const char fuzz_key_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE5m6hUnHJNaU3jPkfWgsCF89flW3u\n"
    "ZXnbUBAskqs/qmDrUKFP0P/PPJQVq7wBLfO9t2LMGc4gq1Fxgoj4H6kURQ==\n"
    "-----END PUBLIC KEY-----\n";

#endif
