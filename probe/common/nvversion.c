#include "nvversion.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

bool nvidia_version_valid(const char *s, size_t n) {
        bool dot = false;
        if (n == 0 || !isdigit((unsigned char) s[0]) || !isdigit((unsigned char) s[n - 1]))
                return false;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '.') {
                        if (s[i - 1] == '.')
                                return false;
                        dot = true;
                } else if (!isdigit((unsigned char) s[i]))
                        return false;
        }
        return dot;
}

int nvidia_version_find(const char *text, size_t size, const char **ret, size_t *ret_len) {
        static const char key[] = "NVRM version:";
        const char *end = text + size;
        for (const char *line = text; line < end;) {
                const char *eol = memchr(line, '\n', (size_t) (end - line));
                if (!eol)
                        eol = end;
                if ((size_t) (eol - line) < sizeof key - 1 || memcmp(line, key, sizeof key - 1) != 0) {
                        line = eol + 1;
                        continue;
                }
                for (const char *p = line + sizeof key - 1; p < eol;) {
                        while (p < eol && isspace((unsigned char) *p))
                                p++;
                        const char *tok = p;
                        while (p < eol && !isspace((unsigned char) *p))
                                p++;
                        if (nvidia_version_valid(tok, (size_t) (p - tok))) {
                                *ret = tok;
                                *ret_len = (size_t) (p - tok);
                                return 0;
                        }
                }
                return -EBADMSG;
        }
        return -ENOMSG;
}
