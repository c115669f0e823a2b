/*
 * pamtool - one PAM call through a service in a directory of its own
 * (pam_start_confdir), for the end-to-end tests of pam_tpath (not
 * installed).  Prompts are answered from standard input, one line each;
 * messages are printed.
 *   pamtool SERVICE CONFDIR USER auth|acct|chauthtok [PAM_TTY]
 * Prints "RESULT <pam_strerror>"; exit: the PAM return code.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
     void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	char line[512];

	(void)data;
	if (r == NULL)
		return PAM_CONV_ERR;
	for (int i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			printf("PROMPT %s\n", msg[i]->msg);
			fflush(stdout);
			if (fgets(line, sizeof(line), stdin) == NULL) {
				free(r);
				return PAM_CONV_ERR;
			}
			line[strcspn(line, "\r\n")] = '\0';
			r[i].resp = strdup(line);
			break;
		default:
			printf("MSG %s\n", msg[i]->msg);
			break;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

int
main(int argc, char **argv)
{
	struct pam_conv pc = { conv, NULL };
	pam_handle_t *pamh;
	int rc;

	if (argc < 5 || argc > 6)
		errx(2, "usage: pamtool service confdir user "
		     "auth|acct|chauthtok [tty]");
	rc = pam_start_confdir(argv[1], argv[3], &pc, argv[2], &pamh);
	if (rc != PAM_SUCCESS)
		errx(2, "pam_start_confdir: %s", pam_strerror(NULL, rc));
	if (argc == 6)
		pam_set_item(pamh, PAM_TTY, argv[5]);
	if (strcmp(argv[4], "auth") == 0)
		rc = pam_authenticate(pamh, 0);
	else if (strcmp(argv[4], "acct") == 0)
		rc = pam_acct_mgmt(pamh, 0);
	else if (strcmp(argv[4], "chauthtok") == 0)
		rc = pam_chauthtok(pamh, 0);
	else
		errx(2, "unknown call %s", argv[4]);
	printf("RESULT %s\n", pam_strerror(pamh, rc));
	pam_end(pamh, rc);
	return rc;
}
