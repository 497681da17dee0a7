/* The processes a fault test starts: spp-worker-test workers and the dependency control
 * script. Workers get PR_SET_PDEATHSIG, so that a test that fails (Check ends its process) or
 * times out (Check kills it) never leaves a worker behind to disturb the next test. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "xalloc.h"

extern char **environ;

void fault_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

void fault_tag(char *out, size_t len, const char *scenario)
{
    static int n;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(out, len, "%s-%d-%ld-%d", scenario, (int)getpid(), (long)ts.tv_nsec, ++n);
}

static const char *fault_tmp(void)
{
    const char *t = getenv("SPP_TEST_TMP");
    ck_assert_msg(t && *t, "SPP_TEST_TMP is not set");
    return t;
}

/* A loopback port nothing listens on now (the kernel's choice for port 0). */
static int fault_free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    int port = 0;
    if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(s, (struct sockaddr *)&a, &alen) == 0)
        port = ntohs(a.sin_port);
    if (s >= 0)
        close(s);
    return port;
}

/* 1 when entry ("NAME=value") sets a variable that one of env sets too. */
static int fault_env_overridden(const char *entry, const char *const *env)
{
    size_t n = strcspn(entry, "=");
    for (const char *const *e = env; *e; e++)
        if (!strncmp(*e, entry, n) && (*e)[n] == '=')
            return 1;
    return 0;
}

void fault_worker_start(struct fault_worker *w, const char *label, const char *const *env)
{
    static int count;
    const char *bin = getenv("SPP_TEST_WORKER");
    ck_assert_msg(bin && *bin, "SPP_TEST_WORKER is not set");
    memset(w, 0, sizeof *w);
    snprintf(w->name, sizeof w->name, "%s-%d", label, ++count);
    snprintf(w->log, sizeof w->log, "%s/fault-%d-worker-%s.log", fault_tmp(), (int)getpid(),
             w->name);

    /* The settings: the suite's short defaults, then the test's own, then the inherited
     * environment for everything else (built before fork: the child only execs). */
    char metrics[64], db[512], redis[128];
    snprintf(metrics, sizeof metrics, "SPP_WORKER_METRICS_LISTEN=127.0.0.1:%d", fault_free_port());
    const char *dburl = getenv("SPP_TEST_DATABASE_URL");
    if (dburl && *dburl)
        snprintf(db, sizeof db, "SPP_DATABASE_URL=%s", dburl);
    else
        snprintf(db, sizeof db, "SPP_DATABASE_URL=postgresql://spp@127.0.0.1:%s/spp",
                 getenv("SPP_TEST_PG_PORT") ? getenv("SPP_TEST_PG_PORT") : "5432");
    snprintf(redis, sizeof redis, "SPP_REDIS_URL=redis://127.0.0.1:%s/0",
             getenv("SPP_TEST_REDIS_PORT") ? getenv("SPP_TEST_REDIS_PORT") : "6379");
    const char *defaults[] = {"SPP_JOB_LEASE_S=2",
                              "SPP_SWEEP_INTERVAL_S=1",
                              "SPP_RETRY_BASE_S=1",
                              "SPP_SHUTDOWN_GRACE_S=3",
                              "SPP_LOG_LEVEL=info",
                              metrics,
                              db,
                              redis,
                              NULL};
    static const char *const none[] = {NULL};
    if (!env)
        env = none;
    size_t n = 0;
    for (char **e = environ; *e; e++)
        n++;
    const char **envp = xcalloc(n + 16 + 64, sizeof *envp);
    size_t k = 0;
    for (const char *const *e = env; *e && k < 64; e++)
        envp[k++] = *e;
    for (const char *const *e = defaults; *e; e++)
        if (!fault_env_overridden(*e, env))
            envp[k++] = *e;
    for (char **e = environ; *e; e++)
        if (!fault_env_overridden(*e, env) && !fault_env_overridden(*e, defaults))
            envp[k++] = *e;
    envp[k] = NULL;

    int fd = open(w->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    ck_assert_msg(fd >= 0, "opening %s: %s", w->log, strerror(errno));
    pid_t parent = getpid();
    pid_t pid = fork();
    ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        /* Signals the test process blocks or ignores stay that way across exec: undo that. */
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        char *argv[] = {(char *)bin, NULL};
        execve(bin, argv, (char **)envp);
        dprintf(2, "exec %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    close(fd);
    free(envp);
    w->pid = pid;
}

void fault_worker_signal(struct fault_worker *w, int sig)
{
    if (w->pid > 0)
        kill(w->pid, sig);
}

int fault_worker_wait(struct fault_worker *w, int timeout_ms)
{
    if (w->pid <= 0)
        return -1;
    for (int waited = 0;; waited += 20) {
        int st = 0;
        pid_t r = waitpid(w->pid, &st, WNOHANG);
        if (r == w->pid) {
            w->pid = 0;
            return st;
        }
        if (r < 0 && errno != EINTR) {
            w->pid = 0;
            return -1;
        }
        if (waited >= timeout_ms)
            return -1;
        fault_sleep_ms(20);
    }
}

void fault_worker_kill(struct fault_worker *w)
{
    if (w->pid <= 0)
        return;
    kill(w->pid, SIGKILL);
    int st;
    while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
        ;
    w->pid = 0;
}

int fault_worker_logged(const struct fault_worker *w, const char *text)
{
    FILE *f = fopen(w->log, "r");
    if (!f)
        return 0;
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, text) != NULL;
    fclose(f);
    return found;
}

void fault_worker_id(const struct fault_worker *w, char *out, size_t len)
{
    /* As services/worker/main.c names itself. */
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    snprintf(out, len, "%s-%d", host, (int)w->pid);
}

static const char *fault_ctl_path(void)
{
    const char *p = getenv("SPP_TEST_CTL");
    return p && *p ? p : SPP_FAULT_CTL;
}

int fault_ctl_run(const char *what, const char *action)
{
    const char *tmp = getenv("SPP_TEST_TMP");
    char log[512];
    snprintf(log, sizeof log, "%s/fault-ctl.log", tmp ? tmp : "/tmp");
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        /* Its output (and that of the servers it starts) goes to a file, never to the pipe the
         * test command reads: a server holding that pipe would keep the suite from ending. */
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        signal(SIGPIPE, SIG_DFL);
        execl("/bin/bash", "bash", fault_ctl_path(), what, action, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

void fault_ctl(const char *what, const char *action)
{
    ck_assert_msg(fault_ctl_run(what, action) == 0, "%s %s %s failed (see %s/fault-ctl.log)",
                  fault_ctl_path(), what, action, fault_tmp());
}

void fault_restore_dependencies(void)
{
    if (fault_ctl_run("redis", "ensure") != 0)
        fprintf(stderr, "fault suite: could not bring Redis back\n");
    if (fault_ctl_run("postgres", "ensure") != 0)
        fprintf(stderr, "fault suite: could not bring PostgreSQL back\n");
}

int fault_worker_stop(struct fault_worker *w)
{
    if (w->pid <= 0)
        return -1;
    kill(w->pid, SIGCONT);
    kill(w->pid, SIGTERM);
    int st = fault_worker_wait(w, 10000);
    if (st == -1)
        fault_worker_kill(w);
    return st;
}

void fault_workers_start(struct fault_worker *w, int n, const char *label, const char *const *env)
{
    for (int i = 0; i < n; i++)
        fault_worker_start(&w[i], label, env);
}

void fault_workers_stop(struct fault_worker *w, int n)
{
    for (int i = 0; i < n; i++)
        fault_worker_stop(&w[i]);
}
