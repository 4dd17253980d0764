/* danecid — error codes: "could not decide" (a verdict is something else). */
#ifndef DANECID_ERROR_H
#define DANECID_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Error codes returned by danecid functions. 0 is success, every error is
 * negative. An error never means "the call is fine": callers turn any error
 * into a non-passing verdict (fail closed).
 */
enum danecid_err {
	DANECID_OK = 0,
	DANECID_ERR_NOMEM = -1,          /**< out of memory */
	DANECID_ERR_INVAL = -2,          /**< invalid argument from the caller */
	DANECID_ERR_MALFORMED = -3,      /**< input is syntactically wrong */
	DANECID_ERR_NOT_SIP = -4,        /**< input is not a SIP request */
	DANECID_ERR_MISSING_HEADER = -5, /**< a required SIP header is absent */
	DANECID_ERR_DUP_HEADER = -6,     /**< a header that must be unique repeats */
	DANECID_ERR_NOT_TN = -7,         /**< not a global telephone number */
	DANECID_ERR_TOO_LONG = -8,       /**< input exceeds a fixed bound */
	DANECID_ERR_CRYPTO = -9,         /**< cryptographic library failure or bad key */
	DANECID_ERR_UNSUPPORTED = -10,   /**< algorithm or key type not supported */
	DANECID_ERR_DNS = -11,           /**< DNS set-up or transport failure */
	DANECID_ERR_CONFIG = -12,        /**< configuration is wrong */
	DANECID_ERR_IO = -13,            /**< file could not be read or written */
	DANECID_ERR_INTERNAL = -14,      /**< a bug: should never happen */
};

/**
 * Human-readable text for an error code.
 * @param err an enum danecid_err value (unknown values are handled).
 * @return a static string; never NULL, never to be freed.
 */
const char *danecid_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif
