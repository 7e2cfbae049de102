#include "report.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "rules.h"
#include "util.h"

size_t report_lines(FILE *f, const char *label, char **found, const struct policy *p) {
        size_t n = 0;
        for (size_t i = 0; i < rules_count; i++) {
                if (!found[i] || !p->enabled[i])
                        continue;
                const struct rule *r = &rules_table[i];
                if (p->audit)
                        fprintf(f, "gpucdi: audit mode, not refusing %s: [%s] %s; %s; fix: %s\n", label, r->id,
                                found[i], r->why, r->fix);
                else
                        fprintf(f, "gpucdi: refused %s: [%s] %s; %s; fix: %s\n", label, r->id, found[i], r->why, r->fix);
                n++;
        }
        return n;
}

int report_json(FILE *f, char **found, const struct policy *p) {
        json_auto_t *a = json_array();
        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < rules_count; i++) {
                if (!found[i] || !p->enabled[i])
                        continue;
                const struct rule *r = &rules_table[i];
                json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "rule", r->id, "found", found[i], "why", r->why,
                                      "fix", r->fix);
                if (!o || json_array_append_new(a, o) < 0)
                        return -ENOMEM;
        }
        if (json_dumpf(a, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
                return -EIO;
        fputc('\n', f);
        return 0;
}

void slog_open(struct slog *s, const char *ident) {
        s->ident = ident;
        s->fd = -EBADF;
        s->tried = false;
}

static void slog_connect(struct slog *s) {
        s->tried = true;
        s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (s->fd < 0)
                return;
        struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
        if (connect(s->fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                close(s->fd);
                s->fd = -EBADF;
        }
}

void slog_close(struct slog *s) {
        if (s->fd >= 0)
                close(s->fd);
        s->fd = -EBADF;
}

void slog_send(struct slog *s, int priority, const char *fmt, ...) {
        if (!s->tried)
                slog_connect(s);
        if (s->fd < 0)
                return;
        char buf[2048];
        /* No timestamp: the receiver stamps it, and formatting local time would read /etc/localtime. */
        int n = snprintf(buf, sizeof buf, "<%d>%s[%d]: ", LOG_AUTHPRIV | priority, s->ident, (int) getpid());
        if (n < 0 || (size_t) n >= sizeof buf)
                return;
        va_list ap;
        va_start(ap, fmt);
        int m = vsnprintf(buf + n, sizeof buf - (size_t) n, fmt, ap);
        va_end(ap);
        if (m < 0)
                return;
        size_t len = (size_t) n + (size_t) m;
        if (len >= sizeof buf)
                len = sizeof buf - 1;
        /* A full or absent receiver loses the line; the decision itself is not held up. */
        (void) send(s->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}
