// nftlink native addon: one netlink socket, nothing more.
//
// The socket knows nothing about nf_tables. It opens, binds, sets options, sends
// gathered buffers in one sendmsg, receives datagrams without blocking into a
// buffer the caller owns, tells the event loop when it is readable, and closes.
// Every failed syscall becomes a JS Error carrying `errno`, `code` and `syscall`.

#include <napi.h>
#include <uv.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

namespace {

// Truncation is not an errno of its own; report it with a code of ours.
constexpr int kTruncated = -1;
// A wait that close() cut short.
constexpr int kClosed = -2;

const char* ErrnoName(int err) {
  if (err == kTruncated) return "EMSGTRUNC";
  if (err == kClosed) return "ECANCELED";
  const char* name = uv_err_name(-err);
  return name ? name : "EUNKNOWN";
}

// `syscall` is the bare name (as Node's own errors have it); `detail` says what
// was being done.
Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const std::string& detail = "") {
  std::string msg = std::string(syscall) + " failed: ";
  if (err == kTruncated) {
    msg += "datagram truncated";
  } else if (err == kClosed) {
    msg += "the socket was closed while waiting";
  } else {
    msg += ErrnoName(err);
    msg += " (";
    msg += strerror(err);
    msg += ")";
  }
  if (!detail.empty()) msg += ": " + detail;
  Napi::Error e = Napi::Error::New(env, msg);
  int num = err == kTruncated ? EMSGSIZE : err == kClosed ? ECANCELED : err;
  e.Set("errno", Napi::Number::New(env, num));
  e.Set("code", Napi::String::New(env, ErrnoName(err)));
  e.Set("syscall", Napi::String::New(env, syscall));
  return e;
}

void ThrowType(Napi::Env env, const char* msg) { Napi::TypeError::New(env, msg).ThrowAsJavaScriptException(); }

// A non-negative integer argument, clamped to [0, max]; false (with a
// TypeError pending) when the value is not a finite number.
bool IntArg(Napi::Env env, Napi::Value v, int64_t max, int64_t* out, const char* what) {
  if (!v.IsNumber()) {
    ThrowType(env, what);
    return false;
  }
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d == d) || d < 0) {
    ThrowType(env, what);
    return false;
  }
  *out = d > static_cast<double>(max) ? max : static_cast<int64_t>(d);
  return true;
}

// A view of any TypedArray (Buffer, Uint8Array …) as bytes.
bool BytesOf(Napi::Value v, uint8_t** data, size_t* len) {
  if (!v.IsTypedArray()) return false;
  Napi::TypedArray t = v.As<Napi::TypedArray>();
  Napi::ArrayBuffer ab = t.ArrayBuffer();
  *data = static_cast<uint8_t*>(ab.Data()) + t.ByteOffset();
  *len = t.ByteLength();
  if (*data == nullptr) *len = 0;
  return true;
}

struct OpenResult {
  int fd = -1;
  int err = 0;
  const char* syscall = nullptr;
};

// Opens the socket on a short-lived thread that enters the target namespace, so
// no thread of Node's ever changes namespace. The socket stays in the namespace
// it was created in for its whole life.
OpenResult OpenInNamespace(int protocol, const std::string& netns) {
  OpenResult r;
  auto body = [&]() {
    if (!netns.empty()) {
      int nsfd = open(netns.c_str(), O_RDONLY | O_CLOEXEC);
      if (nsfd < 0) {
        r.err = errno;
        r.syscall = "open";
        return;
      }
      if (setns(nsfd, CLONE_NEWNET) != 0) {
        r.err = errno;
        r.syscall = "setns";
        close(nsfd);
        return;
      }
      close(nsfd);
    }
    r.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
    if (r.fd < 0) {
      r.err = errno;
      r.syscall = "socket";
    }
  };
  if (netns.empty()) {
    body();
  } else {
    std::thread t(body);
    t.join();
  }
  return r;
}

struct RecvResult {
  size_t bytes = 0;
  int count = 0;
  int err = 0;           // errno (or kTruncated/kClosed) met after `bytes` were read
  size_t needed = 0;     // size of a datagram that did not fit
  bool dropped = false;  // whether that datagram was consumed (lost) or is still queued
};

// Reads datagrams without blocking, one after another, into buf[off..len).
// Stops when the socket is empty, when fewer than `min_room` bytes remain, or
// after `max_count` datagrams. Datagrams land 4-byte aligned, so the filled
// region parses as one stream of netlink messages.
//
// When less than `min_room` is left for the first datagram, its size is peeked
// first, so a datagram that does not fit stays queued and the caller can retry
// with a bigger buffer. With `min_room` or more, a datagram bigger than the
// room is consumed and reported as lost (netlink cannot return the rest).
RecvResult RecvMany(int fd, uint8_t* buf, size_t off, size_t len, size_t min_room, int max_count) {
  RecvResult r;
  size_t pos = off;
  while (r.count < max_count) {
    size_t room = len > pos ? len - pos : 0;
    if (r.count > 0 && room < min_room) break;
    if (room < min_room) {
      uint8_t probe;
      ssize_t n = recv(fd, &probe, 0, MSG_DONTWAIT | MSG_PEEK | MSG_TRUNC);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) r.err = errno;
        break;
      }
      if (static_cast<size_t>(n) > room) {
        r.err = kTruncated;
        r.needed = static_cast<size_t>(n);
        break;
      }
    }
    ssize_t n = recv(fd, buf + pos, room, MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) r.err = errno;
      break;
    }
    if (static_cast<size_t>(n) > room) {
      r.err = kTruncated;
      r.needed = static_cast<size_t>(n);
      r.dropped = true;
      break;
    }
    size_t aligned = (static_cast<size_t>(n) + 3) & ~static_cast<size_t>(3);
    if (aligned > room) aligned = room;
    // Zero the alignment gap so the stream never shows stale bytes.
    for (size_t i = static_cast<size_t>(n); i < aligned; i++) buf[pos + i] = 0;
    pos += aligned;
    r.count++;
  }
  r.bytes = pos - off;
  return r;
}

ssize_t SendIov(int fd, std::vector<iovec>& iov, std::vector<uint8_t>& flat, int* err) {
  // More pieces than one sendmsg takes: gather them into one buffer.
  if (iov.size() > IOV_MAX) {
    size_t total = 0;
    for (auto& v : iov) total += v.iov_len;
    flat.resize(total);
    size_t p = 0;
    for (auto& v : iov) {
      if (v.iov_len) memcpy(flat.data() + p, v.iov_base, v.iov_len);
      p += v.iov_len;
    }
    iov.assign(1, iovec{flat.data(), total});
  }
  msghdr mh{};
  sockaddr_nl dst{};
  dst.nl_family = AF_NETLINK;
  mh.msg_name = &dst;
  mh.msg_namelen = sizeof(dst);
  mh.msg_iov = iov.data();
  mh.msg_iovlen = iov.size();
  ssize_t n;
  do n = sendmsg(fd, &mh, 0);
  while (n < 0 && errno == EINTR);
  *err = n < 0 ? errno : 0;
  return n;
}

// What a worker tells its socket when it finishes, so a close() that came while
// it ran releases the descriptor only once no thread uses it any more.
class InflightOwner {
 public:
  virtual void WorkerDone() = 0;
  virtual ~InflightOwner() = default;
};

class SendWorker : public Napi::AsyncWorker {
 public:
  SendWorker(Napi::Env env, InflightOwner* owner, int fd, std::vector<iovec> iov, Napi::Array keep)
      : Napi::AsyncWorker(env, "nftlink.sendAsync"),
        owner_(owner), fd_(fd), iov_(std::move(iov)), deferred_(Napi::Promise::Deferred::New(env)) {
    keep_ = Napi::Persistent(keep);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override { sent_ = SendIov(fd_, iov_, flat_, &err_); }
  void OnOK() override {
    Napi::Env env = Env();
    keep_.Reset();
    owner_->WorkerDone();
    if (err_) deferred_.Reject(ErrnoError(env, err_, "sendmsg").Value());
    else deferred_.Resolve(Napi::Number::New(env, static_cast<double>(sent_)));
  }
  void OnError(const Napi::Error& e) override {
    keep_.Reset();
    owner_->WorkerDone();
    deferred_.Reject(e.Value());
  }

 private:
  InflightOwner* owner_;
  int fd_;
  std::vector<iovec> iov_;
  std::vector<uint8_t> flat_;
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::Array> keep_;
  int err_ = 0;
  ssize_t sent_ = 0;
};

Napi::Object RecvResultObject(Napi::Env env, const RecvResult& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("bytes", Napi::Number::New(env, static_cast<double>(r.bytes)));
  o.Set("count", Napi::Number::New(env, r.count));
  if (r.err) {
    std::string detail;
    if (r.err == kTruncated) {
      detail = "a datagram of " + std::to_string(r.needed) + " bytes did not fit in the receive buffer" +
               (r.dropped ? " and was lost" : "; it is still queued");
    }
    Napi::Error e = ErrnoError(env, r.err, "recv", detail);
    if (r.err == kTruncated) {
      e.Set("needed", Napi::Number::New(env, static_cast<double>(r.needed)));
      e.Set("dropped", Napi::Boolean::New(env, r.dropped));
    }
    o.Set("error", e.Value());
  }
  return o;
}

class RecvWorker : public Napi::AsyncWorker {
 public:
  RecvWorker(Napi::Env env, InflightOwner* owner, int fd, int wake_fd, uint8_t* buf, size_t off, size_t len,
             size_t min_room, int timeout_ms, Napi::Object keep)
      : Napi::AsyncWorker(env, "nftlink.recvAsync"),
        owner_(owner), fd_(fd), wake_fd_(wake_fd), buf_(buf), off_(off), len_(len), min_room_(min_room),
        timeout_ms_(timeout_ms), deferred_(Napi::Promise::Deferred::New(env)) {
    keep_ = Napi::Persistent(keep);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    r_ = RecvMany(fd_, buf_, off_, len_, min_room_, 1 << 20);
    if (r_.count == 0 && r_.err == 0 && timeout_ms_ != 0) {
      // Wait for data, or for close() to signal the eventfd.
      pollfd p[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      int rc;
      do rc = poll(p, wake_fd_ >= 0 ? 2 : 1, timeout_ms_);
      while (rc < 0 && errno == EINTR);
      if (rc > 0 && wake_fd_ >= 0 && (p[1].revents & POLLIN)) r_.err = kClosed;
      else if (rc > 0) r_ = RecvMany(fd_, buf_, off_, len_, min_room_, 1 << 20);
    }
  }
  void OnOK() override {
    keep_.Reset();
    owner_->WorkerDone();
    deferred_.Resolve(RecvResultObject(Env(), r_));
  }
  void OnError(const Napi::Error& e) override {
    keep_.Reset();
    owner_->WorkerDone();
    deferred_.Reject(e.Value());
  }

 private:
  InflightOwner* owner_;
  int fd_;
  int wake_fd_;
  uint8_t* buf_;
  size_t off_, len_, min_room_;
  int timeout_ms_;
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::Object> keep_;
  RecvResult r_;
};

class Socket : public Napi::ObjectWrap<Socket>, public InflightOwner {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "NetlinkSocket",
                       {
                           InstanceMethod("bind", &Socket::Bind),
                           InstanceMethod("setBuffers", &Socket::SetBuffers),
                           InstanceMethod("getBuffers", &Socket::GetBuffers),
                           InstanceMethod("setOption", &Socket::SetOption),
                           InstanceMethod("getOption", &Socket::GetOption),
                           InstanceMethod("addMembership", &Socket::AddMembership),
                           InstanceMethod("dropMembership", &Socket::DropMembership),
                           InstanceMethod("send", &Socket::Send),
                           InstanceMethod("sendAsync", &Socket::SendAsync),
                           InstanceMethod("recv", &Socket::Recv),
                           InstanceMethod("recvAsync", &Socket::RecvAsync),
                           InstanceMethod("startPolling", &Socket::StartPolling),
                           InstanceMethod("stopPolling", &Socket::StopPolling),
                           InstanceMethod("close", &Socket::Close),
                           InstanceAccessor("fd", &Socket::Fd, nullptr),
                           InstanceAccessor("portId", &Socket::PortId, nullptr),
                           InstanceAccessor("closed", &Socket::Closed, nullptr),
                           InstanceAccessor("extAck", &Socket::ExtAck, nullptr),
                           InstanceAccessor("capAck", &Socket::CapAck, nullptr),
                       });
  }

  // new NetlinkSocket(protocol, netnsPath?)
  explicit Socket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Socket>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsNumber()) {
      ThrowType(env, "NetlinkSocket(protocol: number, netns?: string)");
      return;
    }
    int protocol = info[0].As<Napi::Number>().Int32Value();
    std::string netns;
    if (info.Length() > 1 && !info[1].IsUndefined()) {
      if (!info[1].IsString()) {
        ThrowType(env, "NetlinkSocket: netns must be a path to a network namespace file");
        return;
      }
      netns = info[1].As<Napi::String>().Utf8Value();
      if (netns.empty()) {
        ThrowType(env, "NetlinkSocket: netns must not be empty");
        return;
      }
    }
    OpenResult o = OpenInNamespace(protocol, netns);
    if (o.fd < 0) {
      Napi::Error e = ErrnoError(env, o.err, o.syscall, netns.empty() ? "netlink protocol " + std::to_string(protocol) : netns);
      if (!netns.empty()) e.Set("path", Napi::String::New(env, netns));
      e.ThrowAsJavaScriptException();
      return;
    }
    fd_ = o.fd;
    // Extended acks carry the kernel's message and the offending attribute's
    // offset; capped acks keep error messages small (header only). Kernels
    // older than 4.12 lack them, which is not a reason to fail: the flags say.
    int one = 1;
    ext_ack_ = setsockopt(fd_, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) == 0;
    cap_ack_ = setsockopt(fd_, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) == 0;
    sockaddr_nl addr{};
    addr.nl_family = AF_NETLINK;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      int e = errno;
      close(fd_);
      fd_ = -1;
      ErrnoError(env, e, "bind").ThrowAsJavaScriptException();
      return;
    }
    sockaddr_nl bound{};
    socklen_t alen = sizeof(bound);
    if (getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &alen) == 0) port_id_ = bound.nl_pid;
  }

  // The finalizer: a socket nobody closed must not leak its descriptor. (A
  // socket with polling on or work in flight holds a reference to itself, so
  // it is never finalized in that state.)
  ~Socket() override { CloseNow(); }

  void WorkerDone() override {
    if (--inflight_ == 0 && closing_) CloseNow();
    Unref();
  }

 private:
  bool CheckOpen(Napi::Env env) {
    if (fd_ >= 0 && !closing_) return true;
    ErrnoError(env, EBADF, "netlink", "the socket is closed").ThrowAsJavaScriptException();
    return false;
  }

  bool JoinGroup(Napi::Env env, Napi::Value v, int opt) {
    int64_t g;
    if (!IntArg(env, v, INT32_MAX, &g, "a multicast group is a non-negative number")) return false;
    int gi = static_cast<int>(g);
    if (setsockopt(fd_, SOL_NETLINK, opt, &gi, sizeof(gi)) != 0) {
      ErrnoError(env, errno, "setsockopt",
                 std::string(opt == NETLINK_ADD_MEMBERSHIP ? "NETLINK_ADD_MEMBERSHIP" : "NETLINK_DROP_MEMBERSHIP") +
                     " group " + std::to_string(gi))
          .ThrowAsJavaScriptException();
      return false;
    }
    return true;
  }

  // bind(groups: number[]) — joins multicast groups (group numbers, not bitmasks).
  Napi::Value Bind(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (info.Length() < 1 || !info[0].IsArray()) {
      ThrowType(env, "bind expects an array of multicast group numbers");
      return env.Undefined();
    }
    Napi::Array groups = info[0].As<Napi::Array>();
    for (uint32_t i = 0; i < groups.Length(); i++)
      if (!JoinGroup(env, groups.Get(i), NETLINK_ADD_MEMBERSHIP)) break;
    return env.Undefined();
  }

  Napi::Value AddMembership(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (CheckOpen(env)) JoinGroup(env, info[0], NETLINK_ADD_MEMBERSHIP);
    return env.Undefined();
  }
  Napi::Value DropMembership(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (CheckOpen(env)) JoinGroup(env, info[0], NETLINK_DROP_MEMBERSHIP);
    return env.Undefined();
  }

  // Sets one buffer size: the FORCE option first (ignores rmem_max/wmem_max,
  // needs CAP_NET_ADMIN in the initial user namespace), the plain option, which
  // the kernel caps, when FORCE is refused.
  int SetOneBuffer(int force_opt, int plain_opt, int size) {
    if (setsockopt(fd_, SOL_SOCKET, force_opt, &size, sizeof(size)) == 0) return 0;
    if (setsockopt(fd_, SOL_SOCKET, plain_opt, &size, sizeof(size)) == 0) return 0;
    return errno;
  }

  Napi::Object BufferSizes(Napi::Env env) {
    int snd = 0, rcv = 0;
    socklen_t l = sizeof(int);
    getsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &snd, &l);
    l = sizeof(int);
    getsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcv, &l);
    Napi::Object o = Napi::Object::New(env);
    o.Set("snd", Napi::Number::New(env, snd));
    o.Set("rcv", Napi::Number::New(env, rcv));
    return o;
  }

  // setBuffers({ snd?, rcv? }) → { snd, rcv } as the kernel reports them
  // (it doubles what it is given, and caps it when FORCE was refused).
  Napi::Value SetBuffers(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (info.Length() < 1 || !info[0].IsObject()) {
      ThrowType(env, "setBuffers expects { snd?: number, rcv?: number }");
      return env.Undefined();
    }
    Napi::Object opts = info[0].As<Napi::Object>();
    const struct {
      const char* key;
      int force, plain;
      const char* name;
    } which[] = {{"snd", SO_SNDBUFFORCE, SO_SNDBUF, "SO_SNDBUF"}, {"rcv", SO_RCVBUFFORCE, SO_RCVBUF, "SO_RCVBUF"}};
    for (const auto& w : which) {
      Napi::Value v = opts.Get(w.key);
      if (v.IsUndefined()) continue;
      int64_t size;
      // The kernel doubles the value in an int: keep it below INT_MAX / 2.
      if (!IntArg(env, v, INT32_MAX / 2, &size, "a buffer size is a non-negative number")) return env.Undefined();
      int err = SetOneBuffer(w.force, w.plain, static_cast<int>(size));
      if (err) {
        ErrnoError(env, err, "setsockopt", w.name).ThrowAsJavaScriptException();
        return env.Undefined();
      }
    }
    return BufferSizes(env);
  }

  Napi::Value GetBuffers(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    return BufferSizes(env);
  }

  // setOption(level, name, value: number) — an int socket option.
  Napi::Value SetOption(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber()) {
      ThrowType(env, "setOption(level: number, name: number, value: number)");
      return env.Undefined();
    }
    int level = info[0].As<Napi::Number>().Int32Value();
    int name = info[1].As<Napi::Number>().Int32Value();
    int value = info[2].As<Napi::Number>().Int32Value();
    if (setsockopt(fd_, level, name, &value, sizeof(value)) != 0)
      ErrnoError(env, errno, "setsockopt", "level " + std::to_string(level) + " option " + std::to_string(name))
          .ThrowAsJavaScriptException();
    return env.Undefined();
  }

  // getOption(level, name) → number — an int socket option.
  Napi::Value GetOption(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) {
      ThrowType(env, "getOption(level: number, name: number)");
      return env.Undefined();
    }
    int level = info[0].As<Napi::Number>().Int32Value();
    int name = info[1].As<Napi::Number>().Int32Value();
    int value = 0;
    socklen_t l = sizeof(value);
    if (getsockopt(fd_, level, name, &value, &l) != 0) {
      ErrnoError(env, errno, "getsockopt", "level " + std::to_string(level) + " option " + std::to_string(name))
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    return Napi::Number::New(env, value);
  }

  // Collects Buffers (or one Buffer) into an iovec list; `keep` holds them
  // alive while a worker thread reads them.
  bool GatherIov(Napi::Env env, Napi::Value v, std::vector<iovec>* iov, Napi::Array* keep) {
    *keep = Napi::Array::New(env);
    auto add = [&](Napi::Value b, uint32_t i) -> bool {
      uint8_t* data;
      size_t len;
      if (!BytesOf(b, &data, &len)) {
        ThrowType(env, "send expects a Buffer or an array of Buffers");
        return false;
      }
      iov->push_back(iovec{data, len});
      keep->Set(i, b);
      return true;
    };
    if (v.IsArray()) {
      Napi::Array a = v.As<Napi::Array>();
      for (uint32_t i = 0; i < a.Length(); i++)
        if (!add(a.Get(i), i)) return false;
      return true;
    }
    return add(v, 0);
  }

  // send(buffers) → bytes sent. All buffers go out as one datagram.
  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    std::vector<iovec> iov;
    Napi::Array keep;
    if (!GatherIov(env, info[0], &iov, &keep)) return env.Undefined();
    std::vector<uint8_t> flat;
    int err;
    ssize_t n = SendIov(fd_, iov, flat, &err);
    if (n < 0) {
      ErrnoError(env, err, "sendmsg").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    return Napi::Number::New(env, static_cast<double>(n));
  }

  // sendAsync(buffers) → Promise<bytes>. The kernel processes a whole batch
  // inside sendmsg, so big batches are sent from the thread pool.
  Napi::Value SendAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    std::vector<iovec> iov;
    Napi::Array keep;
    if (!GatherIov(env, info[0], &iov, &keep)) return env.Undefined();
    auto* w = new SendWorker(env, this, fd_, std::move(iov), keep);
    inflight_++;
    Ref();
    Napi::Promise p = w->Promise();
    w->Queue();
    return p;
  }

  bool RecvArgs(const Napi::CallbackInfo& info, uint8_t** data, size_t* off, size_t* len, size_t* min_room) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !BytesOf(info[0], data, len)) {
      ThrowType(env, "recv expects a Buffer");
      return false;
    }
    int64_t v = 0;
    if (info.Length() > 1 && !info[1].IsUndefined()) {
      if (!IntArg(env, info[1], INT64_MAX, &v, "recv: offset is a non-negative number")) return false;
    }
    *off = static_cast<size_t>(v) > *len ? *len : static_cast<size_t>(v);
    v = 65536;
    if (info.Length() > 2 && !info[2].IsUndefined()) {
      if (!IntArg(env, info[2], INT64_MAX, &v, "recv: minRoom is a non-negative number")) return false;
    }
    *min_room = static_cast<size_t>(v);
    return true;
  }

  // recv(buf, offset = 0, minRoom = 65536) → { bytes, count, error? }
  // Never blocks. `error` is set when a syscall failed (ENOBUFS after an
  // overrun) or a datagram did not fit (EMSGTRUNC, with `needed` and
  // `dropped`); the datagrams read before it stay valid.
  Napi::Value Recv(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    uint8_t* data;
    size_t off, len, min_room;
    if (!RecvArgs(info, &data, &off, &len, &min_room)) return env.Undefined();
    RecvResult r = RecvMany(fd_, data, off, len, min_room, 1 << 20);
    return RecvResultObject(env, r);
  }

  // recvAsync(buf, offset, minRoom, timeoutMs) → Promise<{ bytes, count, error? }>
  // The same, from the thread pool, waiting up to timeoutMs (-1: no limit) for
  // the first datagram: the kernel produces each dump chunk inside recvmsg, so
  // a long dump runs there while JavaScript decodes the last chunk. close()
  // ends the wait (error ECANCELED).
  Napi::Value RecvAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    uint8_t* data;
    size_t off, len, min_room;
    if (!RecvArgs(info, &data, &off, &len, &min_room)) return env.Undefined();
    int timeout = 0;
    if (info.Length() > 3 && !info[3].IsUndefined()) {
      if (!info[3].IsNumber()) {
        ThrowType(env, "recvAsync: timeoutMs is a number");
        return env.Undefined();
      }
      double t = info[3].As<Napi::Number>().DoubleValue();
      timeout = t < 0 ? -1 : t > INT32_MAX ? INT32_MAX : static_cast<int>(t);
    }
    if (timeout != 0 && wake_fd_ < 0) {
      wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
      if (wake_fd_ < 0) {
        ErrnoError(env, errno, "eventfd").ThrowAsJavaScriptException();
        return env.Undefined();
      }
    }
    auto* w = new RecvWorker(env, this, fd_, wake_fd_, data, off, len, min_room, timeout, info[0].As<Napi::Object>());
    inflight_++;
    Ref();
    Napi::Promise p = w->Promise();
    w->Queue();
    return p;
  }

  static void OnPoll(uv_poll_t* handle, int status, int events) {
    (void)events;
    Socket* self = static_cast<Socket*>(handle->data);
    if (!self || self->on_readable_.IsEmpty()) return;
    Napi::Env env = self->on_readable_.Env();
    Napi::HandleScope scope(env);
    Napi::Value arg = status < 0 ? ErrnoError(env, -status, "poll").Value() : env.Null();
    // MakeCallback runs microtasks afterwards, as any I/O callback should.
    self->on_readable_.MakeCallback(env.Global(), {arg});
    // A throwing listener is an uncaught exception, as it would be for any
    // other event-loop callback; it must not stay pending in this env.
    if (env.IsExceptionPending()) {
      Napi::Error e = env.GetAndClearPendingException();
      napi_fatal_exception(env, e.Value());
    }
  }

  // startPolling(onReadable) — calls onReadable(err|null) on the event loop
  // whenever the socket has data. Keeps the object (and the loop) alive.
  Napi::Value StartPolling(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (info.Length() < 1 || !info[0].IsFunction()) {
      ThrowType(env, "startPolling expects a function");
      return env.Undefined();
    }
    if (!poll_) {
      uv_loop_t* loop = nullptr;
      napi_get_uv_event_loop(env, &loop);
      auto* p = new uv_poll_t;
      int rc = uv_poll_init(loop, p, fd_);
      if (rc != 0) {
        delete p;
        ErrnoError(env, -rc, "uv_poll_init").ThrowAsJavaScriptException();
        return env.Undefined();
      }
      poll_ = p;
      poll_->data = this;
      Ref();
    }
    on_readable_ = Napi::Persistent(info[0].As<Napi::Function>());
    int rc = uv_poll_start(poll_, UV_READABLE, OnPoll);
    if (rc != 0) {
      StopPollingNow();
      ErrnoError(env, -rc, "uv_poll_start").ThrowAsJavaScriptException();
    }
    return env.Undefined();
  }

  void StopPollingNow() {
    if (!poll_) return;
    uv_poll_stop(poll_);
    poll_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    poll_ = nullptr;
    on_readable_.Reset();
    Unref();
  }

  Napi::Value StopPolling(const Napi::CallbackInfo& info) {
    StopPollingNow();
    return info.Env().Undefined();
  }

  void CloseNow() {
    if (fd_ >= 0) {
      close(fd_);
      fd_ = -1;
    }
    if (wake_fd_ >= 0) {
      close(wake_fd_);
      wake_fd_ = -1;
    }
  }

  // close() — idempotent. Stops polling first, so libuv never polls a
  // recycled descriptor; wakes any recvAsync that waits; the descriptor itself
  // is released once no worker thread uses it any more.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    StopPollingNow();
    if (!closing_) {
      closing_ = true;
      if (wake_fd_ >= 0) {
        uint64_t one = 1;
        ssize_t n = write(wake_fd_, &one, sizeof(one));
        (void)n;
      }
    }
    if (inflight_ == 0) CloseNow();
    return info.Env().Undefined();
  }

  Napi::Value Fd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), closing_ ? -1 : fd_); }
  Napi::Value PortId(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), port_id_); }
  Napi::Value Closed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), fd_ < 0 || closing_); }
  Napi::Value ExtAck(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), ext_ack_); }
  Napi::Value CapAck(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), cap_ack_); }

  int fd_ = -1;
  int wake_fd_ = -1;
  int inflight_ = 0;
  bool closing_ = false;
  bool ext_ack_ = false;
  bool cap_ack_ = false;
  uint32_t port_id_ = 0;
  uv_poll_t* poll_ = nullptr;
  Napi::FunctionReference on_readable_;
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("NetlinkSocket", Socket::Init(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(nftlink, Init)
