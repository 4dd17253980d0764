/* error — text for enum danecid_err. */
#include <stddef.h>

#include <danecid/error.h>

static const struct {
	int code;
	const char *text;
} error_table[] = {
    {DANECID_OK, "success"},
    {DANECID_ERR_NOMEM, "out of memory"},
    {DANECID_ERR_INVAL, "invalid argument"},
    {DANECID_ERR_MALFORMED, "malformed input"},
    {DANECID_ERR_NOT_SIP, "not a SIP request"},
    {DANECID_ERR_MISSING_HEADER, "required SIP header missing"},
    {DANECID_ERR_DUP_HEADER, "SIP header repeated"},
    {DANECID_ERR_NOT_TN, "not a global telephone number"},
    {DANECID_ERR_TOO_LONG, "input too long"},
    {DANECID_ERR_CRYPTO, "cryptographic failure or bad key"},
    {DANECID_ERR_UNSUPPORTED, "unsupported algorithm or key type"},
    {DANECID_ERR_DNS, "DNS failure"},
    {DANECID_ERR_CONFIG, "configuration error"},
    {DANECID_ERR_IO, "input/output error"},
    {DANECID_ERR_INTERNAL, "internal error"},
};

const char *danecid_strerror(int err)
{
	for (size_t i = 0; i < sizeof(error_table) / sizeof(error_table[0]); i++) {
		if (error_table[i].code == err) {
			return error_table[i].text;
		}
	}
	return "unknown error";
}
