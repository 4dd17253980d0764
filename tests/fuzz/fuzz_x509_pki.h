/* fuzz_x509_pki — the STI-CA root and the CRLs of the test PKI (tests/integration/pki.sh)
 * that issued the x509 seeds, made for the targets' clock FUZZ_NOW (written by
 * tests/fuzz/mkseeds.sh; no private key is kept). */
#ifndef DANECID_FUZZ_X509_PKI_H
#define DANECID_FUZZ_X509_PKI_H

static const char pki_root_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBrDCCAVKgAwIBAgIIcxhAlw1y6cswCgYIKoZIzj0EAwIwOjELMAkGA1UEBhMC\n"
    "VVMxFTATBgNVBAoMDGRhbmVjaWQgdGVzdDEUMBIGA1UEAwwLU1RJLUNBIHJvb3Qw\n"
    "HhcNMjYwNzIzMTQxMzIwWhcNMzYwOTE4MTQxMzIwWjA6MQswCQYDVQQGEwJVUzEV\n"
    "MBMGA1UECgwMZGFuZWNpZCB0ZXN0MRQwEgYDVQQDDAtTVEktQ0Egcm9vdDBZMBMG\n"
    "ByqGSM49AgEGCCqGSM49AwEHA0IABNP2pZRZWUWURFM7XfwbQSmGdPSTdJb2cDfL\n"
    "69lBV+CK0c+BlBe/MHBck5+X9Xpqf8IwAwxRxw3QuRhwiOG/2mmjQjBAMA8GA1Ud\n"
    "EwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMB0GA1UdDgQWBBQFwkO3vs9jdl1m\n"
    "IN3r+Wc4es1E6TAKBggqhkjOPQQDAgNIADBFAiBrsaBR+HhZxJR5pDboxK3IV7tW\n"
    "vhcoH50y6CSNeLYkuAIhAIhVb3XBhAvV7ODwB0RYSPt9pFQI6z+kOV9yOpbIJmrh\n"
    "-----END CERTIFICATE-----\n";

static const char pki_crl_pem[] =
    "-----BEGIN X509 CRL-----\n"
    "MIIBBzCBrQIBATAKBggqhkjOPQQDAjBCMQswCQYDVQQGEwJVUzEVMBMGA1UECgwM\n"
    "ZGFuZWNpZCB0ZXN0MRwwGgYDVQQDDBNTVEktQ0EgaW50ZXJtZWRpYXRlFw0yNjA5\n"
    "MjAxNDEzMjBaFw0yNjEwMjExNDEzMjBaMCkwJwIIbWfw5W7R2JsXDTI2MTEyNjIw\n"
    "MzczOVowDDAKBgNVHRUEAwoBAaAPMA0wCwYDVR0UBAQCAhAAMAoGCCqGSM49BAMC\n"
    "A0kAMEYCIQD8A711hjQk/ZNxT1xtRHfdVItvXih/cAwQ7pSr1ePtvwIhAN3hVm/D\n"
    "75cRL4gFOahPY8sREna657Qc3Ow5+sAJ0bJ3\n"
    "-----END X509 CRL-----\n"
    "-----BEGIN X509 CRL-----\n"
    "MIHSMHoCAQEwCgYIKoZIzj0EAwIwOjELMAkGA1UEBhMCVVMxFTATBgNVBAoMDGRh\n"
    "bmVjaWQgdGVzdDEUMBIGA1UEAwwLU1RJLUNBIHJvb3QXDTI2MDkyMDE0MTMyMFoX\n"
    "DTI2MTAyMTE0MTMyMFqgDzANMAsGA1UdFAQEAgIQADAKBggqhkjOPQQDAgNIADBF\n"
    "AiBNHb22MUU5Rb4UgfCqi6zLSd80zbY6n3erqBNUK2EJlAIhAMLA2j4hJ8jclvA+\n"
    "ZRp+M1z/bF6NLp77ot6Euj6r7VK0\n"
    "-----END X509 CRL-----\n";

#endif
