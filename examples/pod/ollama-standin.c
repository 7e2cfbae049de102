/* ollama-standin: a stand-in for Ollama's HTTP API, for testing the pod recipe without a model or a
 * registry. It is not Ollama. It answers POST /api/generate (stream false) with a "response" that
 * reports what GPU devices and driver files the container was given, and GET /api/version.
 *
 *   ollama-standin serve [PORT]     (listens on 127.0.0.1, default port 11434)
 *
 * The model name "missing-model" gets Ollama's 404 answer for a model that was never pulled. */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_REQUEST (1 << 20)

/* What the container may have been given through CDI. */
static const char *const probe_paths[] = {
        "/dev/nvidiactl", "/dev/nvidia0", "/dev/nvidia1", "/dev/nvidia-uvm", "/dev/kfd",
        "/dev/dri/renderD128", "/dev/dri/renderD129",
        "/run/opengl-driver/lib/libcuda.so.1", "/run/opengl-driver/lib/libnvidia-ml.so.1",
};

struct buf {
        char *p;
        size_t len, cap;
};

static bool buf_add(struct buf *b, const char *s, size_t n) {
        if (b->len + n + 1 > b->cap) {
                size_t cap = b->cap ? b->cap * 2 : 4096;
                while (cap < b->len + n + 1)
                        cap *= 2;
                char *p = realloc(b->p, cap);
                if (!p)
                        return false;
                b->p = p;
                b->cap = cap;
        }
        memcpy(b->p + b->len, s, n);
        b->len += n;
        b->p[b->len] = 0;
        return true;
}

static bool buf_str(struct buf *b, const char *s) {
        return buf_add(b, s, strlen(s));
}

/* Append s as a JSON string literal. */
static bool buf_json_string(struct buf *b, const char *s) {
        if (!buf_str(b, "\""))
                return false;
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;
                char esc[8];
                if (c == '"' || c == '\\')
                        snprintf(esc, sizeof esc, "\\%c", c);
                else if (c < 0x20)
                        snprintf(esc, sizeof esc, "\\u%04x", c);
                else {
                        esc[0] = (char) c;
                        esc[1] = 0;
                }
                if (!buf_str(b, esc))
                        return false;
        }
        return buf_str(b, "\"");
}

/* The string value of "key" in a flat JSON object, unescaped (\uXXXX below 0x80 only; the
 * stand-in only echoes text back). NULL if absent or not a string. */
static char *json_get_string(const char *json, const char *key) {
        char pat[64];
        snprintf(pat, sizeof pat, "\"%s\"", key);
        const char *p = json;
        while ((p = strstr(p, pat))) {
                const char *q = p + strlen(pat);
                while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
                        q++;
                if (*q != ':') {
                        p = q;
                        continue;
                }
                q++;
                while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
                        q++;
                if (*q != '"')
                        return NULL;
                q++;
                struct buf out = {};
                while (*q && *q != '"') {
                        char c = *q++;
                        if (c == '\\') {
                                c = *q++;
                                switch (c) {
                                case 'n': c = '\n'; break;
                                case 't': c = '\t'; break;
                                case 'r': c = '\r'; break;
                                case 'b': c = '\b'; break;
                                case 'f': c = '\f'; break;
                                case 'u': {
                                        unsigned v;
                                        if (sscanf(q, "%4x", &v) != 1)
                                                v = '?';
                                        q += strnlen(q, 4);
                                        c = v < 0x80 ? (char) v : '?';
                                        break;
                                }
                                case 0: free(out.p); return NULL;
                                default: break; /* \" \\ \/ */
                                }
                        }
                        if (!buf_add(&out, &c, 1)) {
                                free(out.p);
                                return NULL;
                        }
                }
                if (*q != '"') {
                        free(out.p);
                        return NULL;
                }
                return out.p ? out.p : strdup("");
        }
        return NULL;
}

static void respond(int fd, int status, const char *reason, const char *body) {
        char head[256];
        int n = snprintf(head, sizeof head,
                         "HTTP/1.1 %d %s\r\nContent-Type: application/json; charset=utf-8\r\n"
                         "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                         status, reason, strlen(body));
        if (write(fd, head, (size_t) n) < 0 || write(fd, body, strlen(body)) < 0)
                perror("ollama-standin: write");
}

static void handle_generate(int fd, const char *body) {
        char *model = json_get_string(body, "model");
        char *prompt = json_get_string(body, "prompt");
        struct buf out = {}, text = {};
        if (!model || !prompt) {
                respond(fd, 400, "Bad Request", "{\"error\":\"model and prompt are required\"}");
                goto done;
        }
        if (strcmp(model, "missing-model") == 0) {
                buf_str(&text, "model \"");
                buf_str(&text, model);
                buf_str(&text, "\" not found, try pulling it first");
                buf_str(&out, "{\"error\":");
                buf_json_string(&out, text.p);
                buf_str(&out, "}");
                respond(fd, 404, "Not Found", out.p);
                goto done;
        }
        buf_str(&text, "ollama-standin saw:");
        for (size_t i = 0; i < sizeof probe_paths / sizeof probe_paths[0]; i++) {
                struct stat st;
                if (stat(probe_paths[i], &st) == 0) {
                        buf_str(&text, " ");
                        buf_str(&text, probe_paths[i]);
                        buf_str(&text, S_ISCHR(st.st_mode) ? "(char)" : "(file)");
                }
        }
        buf_str(&text, "; prompt: ");
        buf_str(&text, prompt);
        buf_str(&out, "{\"model\":");
        buf_json_string(&out, model);
        buf_str(&out, ",\"response\":");
        buf_json_string(&out, text.p);
        buf_str(&out, ",\"done\":true}");
        respond(fd, 200, "OK", out.p ? out.p : "{}");
done:
        free(model);
        free(prompt);
        free(out.p);
        free(text.p);
}

static void serve_one(int fd) {
        struct buf req = {};
        size_t body_at = 0, content_length = 0;
        char chunk[4096];
        for (;;) {
                ssize_t n = read(fd, chunk, sizeof chunk);
                if (n <= 0 || !buf_add(&req, chunk, (size_t) n) || req.len > MAX_REQUEST)
                        goto out;
                if (!body_at) {
                        char *end = strstr(req.p, "\r\n\r\n");
                        if (!end)
                                continue;
                        body_at = (size_t) (end - req.p) + 4;
                        const char *cl = strcasestr(req.p, "\r\nContent-Length:");
                        if (cl && cl < end)
                                content_length = strtoul(cl + 17, NULL, 10);
                }
                if (req.len >= body_at + content_length)
                        break;
        }
        if (strncmp(req.p, "POST /api/generate ", 19) == 0)
                handle_generate(fd, req.p + body_at);
        else if (strncmp(req.p, "GET /api/version ", 17) == 0)
                respond(fd, 200, "OK", "{\"version\":\"0.0.0-ollama-standin\"}");
        else
                respond(fd, 404, "Not Found", "{\"error\":\"not found\"}");
out:
        free(req.p);
}

int main(int argc, char *argv[]) {
        if (argc < 2 || strcmp(argv[1], "serve") != 0) {
                fprintf(stderr, "usage: ollama-standin serve [PORT]\n");
                return 2;
        }
        int port = argc > 2 ? atoi(argv[2]) : 11434;
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0) {
                perror("ollama-standin: socket");
                return 1;
        }
        int one = 1;
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        if (bind(s, (struct sockaddr *) &a, sizeof a) < 0 || listen(s, 16) < 0) {
                fprintf(stderr, "ollama-standin: cannot listen on 127.0.0.1:%d: %s\n", port, strerror(errno));
                return 1;
        }
        fprintf(stderr, "ollama-standin: listening on 127.0.0.1:%d (a stand-in, not Ollama)\n", port);
        for (;;) {
                int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
                if (c < 0) {
                        if (errno == EINTR)
                                continue;
                        perror("ollama-standin: accept");
                        return 1;
                }
                serve_one(c);
                close(c);
        }
}
