/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to the edge's dialogs (dialog.c) and transfers (transfer.c). */
#ifndef TZ_SIPWS_DIALOG_PVT_H
#define TZ_SIPWS_DIALOG_PVT_H

#include "sipws_pvt.h"

#define ALLOW "Allow: INVITE,ACK,CANCEL,BYE,INFO,OPTIONS,MESSAGE,UPDATE,REFER,NOTIFY\r\n"

enum dlg_role {
	DLG_UAS,        /* the browser called */
	DLG_UAC,        /* we call the browser */
};

enum dlg_state {
	DLG_TRYING,
	DLG_CONFIRMED,
};

struct dlg {
	struct sconn *sc;
	enum dlg_role role;
	enum dlg_state state;
	char call[TZ_JSEP_CALL_MAX + 1];  /* the call manager's name */
	char *call_id;
	char *local_tag, *remote_tag;
	char *local_hdr, *remote_hdr;     /* name-addr without tag */
	char *remote_target;              /* the browser's Contact URI */
	uint32_t local_cseq;
	char *our_sdp;                    /* our answer (UAS) or offer (UAC) */
	uint64_t sdp_version;             /* o= version we last sent */
	bool echo;                        /* a call to the echo service: answered at once */
	bool held;                        /* the browser holds */
	bool remote_held;                 /* the far end holds (our re-INVITE said so) */
	uint32_t reinvite_cseq;           /* our re-INVITE waiting for its answer, or 0 */
	bool reinvite_again;              /* the far end changed its mind meanwhile */
	bool sent_remote_held;            /* what that re-INVITE said */
	/* UAS: the browser's INVITE until its final response */
	struct sipws_msg invite;
	bool final_sent;
	struct sipws_msg reinvite;        /* a re-INVITE waiting for held/unheld */
	struct xfer *xfer;                /* a REFER of the browser's in progress */
	/* UAC: our INVITE */
	char *ruri, *branch;
	uint32_t invite_cseq;
	bool cancelled;
};

/* dialog.c: an in-dialog request of ours (BYE, INFO, NOTIFY, re-INVITE, ACK for a 2xx) */
GString *sipws_dlg_request(struct dlg *d, const char *method, uint32_t cseq, const char *extra,
			   const char *ctype, const char *body);
/* transfer.c: the phone's REFER in dialog @p d */
void sipws_on_refer(struct sconn *sc, struct dlg *d, struct sipws_msg *m);
/* video.c: our answer with its video rejected (malloc'd, NULL: none to
 * reject); the call's SIP side declined the video: the 200 says so */
char *sipws_sdp_video_rejected(const char *sdp);
void sipws_video_answered(struct dlg *d, const struct tz_jsep_out *o);

#endif
