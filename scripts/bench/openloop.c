/*
 * Fixed-rate (open-loop) HTTP/1.1 load generator for the version query benchmark (docs/benchmarks.md).
 *
 * Sends requests at exactly `rate` per second for `seconds`, spread over `connections` keep-alive connections, and
 * measures each latency from the request's *intended* send time: when the server falls behind, waiting requests
 * count their queueing (no coordinated omission). One thread and epoll, so the generator costs little CPU next to
 * the server it measures.
 *
 *   openloop <host> <port> <rate> <seconds> <connections> <requests-file>
 *
 * The requests file holds complete HTTP requests separated by a NUL byte; they are used round robin.
 * Output (one line): achieved=<req/s> sent=<n> errors=<n> reconnects=<n> p50_ms=… p90_ms=… p99_ms=… p999_ms=… max_ms=…
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF 65536

typedef struct {
    int fd;
    int busy;
    int64_t intended; /* intended send time of the request in flight (ns) */
    size_t len;       /* bytes of the response read so far */
    char buf[BUF];
} conn_t;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int open_conn(const char *host, int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, host, &addr.sin_addr);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        perror("connect");
        exit(2);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

/* 1 when buf holds one complete response (Content-Length or chunked), 0 otherwise; sets *status. */
static int complete(const char *buf, size_t len, int *status) {
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    if (!end) return 0;
    *status = atoi(buf + 9);
    size_t head = (size_t)(end - buf) + 4;
    for (const char *p = buf; p < end; p++) {
        if (strncasecmp(p, "\r\nContent-Length:", 17) == 0) return len >= head + (size_t)atol(p + 17);
    }
    return len >= 5 && memcmp(buf + len - 5, "0\r\n\r\n", 5) == 0; /* chunked: the last chunk */
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: %s host port rate seconds connections requests-file\n", argv[0]);
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]);
    long rate = atol(argv[3]);
    long seconds = atol(argv[4]);
    int nconn = atoi(argv[5]);

    FILE *f = fopen(argv[6], "rb");
    if (!f) {
        perror("requests file");
        return 2;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *data = malloc(size + 1);
    if (fread(data, 1, size, f) != (size_t)size) return 2;
    fclose(f);
    data[size] = 0;
    int nreq = 0;
    char **reqs = malloc(sizeof(char *) * (size / 16 + 2));
    size_t *lens = malloc(sizeof(size_t) * (size / 16 + 2));
    for (char *p = data; p < data + size;) {
        size_t l = strlen(p);
        if (l > 0) {
            reqs[nreq] = p;
            lens[nreq++] = l;
        }
        p += l + 1;
    }
    if (nreq == 0) {
        fprintf(stderr, "no requests in %s\n", argv[6]);
        return 2;
    }

    long total = rate * seconds;
    int64_t *lat = malloc(sizeof(int64_t) * total);
    conn_t *conns = calloc(nconn, sizeof(conn_t));
    int ep = epoll_create1(0);
    for (int i = 0; i < nconn; i++) {
        conns[i].fd = open_conn(host, port);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
        epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
    }

    long next = 0, done = 0, errors = 0, reconnects = 0;
    int cursor = 0;
    int64_t interval = 1000000000LL / rate;
    int64_t start = now_ns() + 10000000LL;
    struct epoll_event events[256];
    while (done < total) {
        int64_t t = now_ns();
        /* Send every request that is due, as long as a connection is free; the rest wait (their clock runs). */
        int blocked = 0;
        while (next < total && start + next * interval <= t) {
            int c = -1;
            for (int k = 0; k < nconn; k++) {
                int i = (cursor + k) % nconn;
                if (!conns[i].busy) {
                    c = i;
                    break;
                }
            }
            if (c < 0) {
                blocked = 1; /* every connection is waiting for a response: wait for one */
                break;
            }
            cursor = (c + 1) % nconn;
            const char *r = reqs[next % nreq];
            size_t l = lens[next % nreq];
            if (write(conns[c].fd, r, l) != (ssize_t)l) {
                perror("write");
                return 2;
            }
            conns[c].busy = 1;
            conns[c].len = 0;
            conns[c].intended = start + next * interval;
            next++;
        }
        /* Sleep until the next request is due (nanosecond timeout, so the generator never spins), or until a
           response arrives when every connection is busy. */
        int64_t wait = blocked || next >= total ? 100000000LL : start + next * interval - now_ns();
        if (wait < 0) wait = 0;
        struct timespec timeout = {.tv_sec = wait / 1000000000LL, .tv_nsec = wait % 1000000000LL};
        int n = epoll_pwait2(ep, events, 256, &timeout, NULL);
        for (int e = 0; e < n; e++) {
            uint32_t index = events[e].data.u32;
            conn_t *cn = &conns[index];
            ssize_t r = read(cn->fd, cn->buf + cn->len, BUF - cn->len);
            if (r < 0 && errno == EAGAIN) continue;
            if (r <= 0) {
                /* The server closed the keep-alive connection (Tomcat does after 100 requests): reconnect. A request
                   cut off by the close counts as an error. */
                if (cn->busy) {
                    lat[done++] = now_ns() - cn->intended;
                    errors++;
                }
                epoll_ctl(ep, EPOLL_CTL_DEL, cn->fd, NULL);
                close(cn->fd);
                cn->fd = open_conn(host, port);
                cn->busy = 0;
                cn->len = 0;
                struct epoll_event ev = {.events = EPOLLIN, .data.u32 = index};
                epoll_ctl(ep, EPOLL_CTL_ADD, cn->fd, &ev);
                reconnects++;
                continue;
            }
            cn->len += (size_t)r;
            int status = 0;
            if (cn->busy && complete(cn->buf, cn->len, &status)) {
                lat[done++] = now_ns() - cn->intended;
                if (status != 200) errors++;
                int closing = memmem(cn->buf, cn->len, "\r\nConnection: close", 19) != NULL;
                cn->busy = 0;
                cn->len = 0;
                if (closing) { /* the server announced the close: reconnect before the next request */
                    epoll_ctl(ep, EPOLL_CTL_DEL, cn->fd, NULL);
                    close(cn->fd);
                    cn->fd = open_conn(host, port);
                    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = index};
                    epoll_ctl(ep, EPOLL_CTL_ADD, cn->fd, &ev);
                    reconnects++;
                }
            }
        }
    }
    double elapsed = (now_ns() - start) / 1e9;
    qsort(lat, total, sizeof(int64_t), cmp64);
    printf("achieved=%.0f sent=%ld errors=%ld reconnects=%ld p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f\n",
           total / elapsed, total, errors, reconnects, lat[total / 2] / 1e6, lat[total * 9 / 10] / 1e6,
           lat[total * 99 / 100] / 1e6, lat[total * 999 / 1000] / 1e6, lat[total - 1] / 1e6);
    return 0;
}
