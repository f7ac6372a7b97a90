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
#include <linux/netlink.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
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

const char* ErrnoName(int err) {
  if (err == kTruncated) return "EMSGTRUNC";
  const char* name = uv_err_name(-err);
  return name ? name : "EUNKNOWN";
}

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const std::string& extra = "") {
  std::string msg = std::string(syscall) + " failed: ";
  if (err == kTruncated) {
    msg += "datagram truncated";
  } else {
    msg += ErrnoName(err);
    msg += " (";
    msg += strerror(err);
    msg += ")";
  }
  if (!extra.empty()) msg += ": " + extra;
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("errno", Napi::Number::New(env, err == kTruncated ? 0 : err));
  e.Set("code", Napi::String::New(env, ErrnoName(err)));
  e.Set("syscall", Napi::String::New(env, syscall));
  return e;
}

// Opens the socket on a short-lived thread that enters the target namespace, so
// no thread of Node's ever changes namespace. The socket stays in the namespace
// it was created in.
int OpenInNamespace(int protocol, const std::string& netns, int* err_out, const char** where) {
  int fd = -1;
  int err = 0;
  const char* failed = nullptr;
  auto body = [&]() {
    if (!netns.empty()) {
      int nsfd = open(netns.c_str(), O_RDONLY | O_CLOEXEC);
      if (nsfd < 0) {
        err = errno;
        failed = "open(netns)";
        return;
      }
      if (setns(nsfd, CLONE_NEWNET) != 0) {
        err = errno;
        failed = "setns";
        close(nsfd);
        return;
      }
      close(nsfd);
    }
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
    if (fd < 0) {
      err = errno;
      failed = "socket";
    }
  };
  if (netns.empty()) {
    body();
  } else {
    std::thread t(body);
    t.join();
  }
  *err_out = err;
  *where = failed;
  return fd;
}

struct RecvResult {
  size_t bytes = 0;
  int count = 0;
  int err = 0;          // errno of a failure met after `bytes` were read (or before)
  size_t truncated = 0; // real size of a datagram that did not fit
};

// Reads datagrams without blocking, one after another, into buf[off..len).
// Stops when the socket is empty, when fewer than `min_room` bytes remain, or
// after `max_count` datagrams. Datagrams land 4-byte aligned, so the filled
// region parses as one stream of netlink messages.
RecvResult RecvMany(int fd, uint8_t* buf, size_t off, size_t len, size_t min_room, int max_count) {
  RecvResult r;
  size_t pos = off;
  while (r.count < max_count) {
    size_t room = len > pos ? len - pos : 0;
    if (room == 0 || (r.count > 0 && room < min_room)) break;
    ssize_t n = recv(fd, buf + pos, room, MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      r.err = errno;
      break;
    }
    if (static_cast<size_t>(n) > room) {
      r.truncated = static_cast<size_t>(n);
      r.err = kTruncated;
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

// What a worker tells its socket when it finishes, so a close() that came while
// it ran can release the descriptor only once no thread uses it any more.
class InflightOwner {
 public:
  virtual void WorkerDone() = 0;
  virtual ~InflightOwner() = default;
};

class SendWorker : public Napi::AsyncWorker {
 public:
  SendWorker(Napi::Env env, InflightOwner* owner, int fd, std::vector<iovec> iov, Napi::Array keep)
      : Napi::AsyncWorker(env), owner_(owner), fd_(fd), iov_(std::move(iov)), deferred_(Napi::Promise::Deferred::New(env)) {
    keep_ = Napi::Persistent(keep);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    msghdr mh{};
    sockaddr_nl dst{};
    dst.nl_family = AF_NETLINK;
    mh.msg_name = &dst;
    mh.msg_namelen = sizeof(dst);
    mh.msg_iov = iov_.data();
    mh.msg_iovlen = iov_.size();
    for (;;) {
      ssize_t n = sendmsg(fd_, &mh, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) err_ = errno; else sent_ = n;
      break;
    }
  }
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
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::Array> keep_;
  int err_ = 0;
  ssize_t sent_ = 0;
};

Napi::Object RecvResultObject(Napi::Env env, const RecvResult& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("bytes", Napi::Number::New(env, static_cast<double>(r.bytes)));
  o.Set("count", Napi::Number::New(env, r.count));
  if (r.err) o.Set("error", ErrnoError(env, r.err, "recv",
                                      r.err == kTruncated ? "a datagram of " + std::to_string(r.truncated) +
                                                                " bytes did not fit in the receive buffer"
                                                          : "")
                                .Value());
  return o;
}

class RecvWorker : public Napi::AsyncWorker {
 public:
  RecvWorker(Napi::Env env, InflightOwner* owner, int fd, uint8_t* buf, size_t off, size_t len, size_t min_room, int timeout_ms,
             Napi::Object keep)
      : Napi::AsyncWorker(env),
        owner_(owner), fd_(fd), buf_(buf), off_(off), len_(len), min_room_(min_room), timeout_ms_(timeout_ms),
        deferred_(Napi::Promise::Deferred::New(env)) {
    keep_ = Napi::Persistent(keep);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    r_ = RecvMany(fd_, buf_, off_, len_, min_room_, 1 << 20);
    if (r_.count == 0 && r_.err == 0 && timeout_ms_ != 0) {
      pollfd p{fd_, POLLIN, 0};
      int rc;
      do rc = poll(&p, 1, timeout_ms_); while (rc < 0 && errno == EINTR);
      if (rc > 0) r_ = RecvMany(fd_, buf_, off_, len_, min_room_, 1 << 20);
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
                       });
  }

  // new NetlinkSocket(protocol, netnsPath?)
  explicit Socket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Socket>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsNumber()) {
      Napi::TypeError::New(env, "NetlinkSocket(protocol: number, netns?: string)").ThrowAsJavaScriptException();
      return;
    }
    int protocol = info[0].As<Napi::Number>().Int32Value();
    std::string netns;
    if (info.Length() > 1 && info[1].IsString()) netns = info[1].As<Napi::String>().Utf8Value();
    int err = 0;
    const char* where = nullptr;
    fd_ = OpenInNamespace(protocol, netns, &err, &where);
    if (fd_ < 0) {
      ErrnoError(env, err, where, netns.empty() ? "" : netns).ThrowAsJavaScriptException();
      return;
    }
    // Extended acks carry the kernel's message and the offending attribute's
    // offset; capped acks keep error messages small (header only).
    int one = 1;
    setsockopt(fd_, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
    setsockopt(fd_, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
    sockaddr_nl addr{};
    addr.nl_family = AF_NETLINK;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      int e = errno;
      close(fd_);
      fd_ = -1;
      ErrnoError(env, e, "bind").ThrowAsJavaScriptException();
      return;
    }
    ReadPortId();
  }

  ~Socket() override { CloseNow(); }

  void WorkerDone() override {
    if (--inflight_ == 0 && closing_) CloseNow();
    Unref();
  }

 private:
  void ReadPortId() {
    sockaddr_nl addr{};
    socklen_t alen = sizeof(addr);
    if (getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &alen) == 0) port_id_ = addr.nl_pid;
  }

  bool CheckOpen(Napi::Env env) {
    if (fd_ >= 0 && !closing_) return true;
    ErrnoError(env, EBADF, "netlink", "the socket is closed").ThrowAsJavaScriptException();
    return false;
  }

  // bind(groups: number[]) — joins multicast groups (numbers, not bitmasks).
  Napi::Value Bind(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (info.Length() > 0 && info[0].IsArray()) {
      Napi::Array groups = info[0].As<Napi::Array>();
      for (uint32_t i = 0; i < groups.Length(); i++) {
        int g = groups.Get(i).As<Napi::Number>().Int32Value();
        if (setsockopt(fd_, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) != 0) {
          ErrnoError(env, errno, "setsockopt(NETLINK_ADD_MEMBERSHIP)", "group " + std::to_string(g))
              .ThrowAsJavaScriptException();
          return env.Undefined();
        }
      }
    }
    return env.Undefined();
  }

  Napi::Value Membership(const Napi::CallbackInfo& info, int opt, const char* name) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    int g = info[0].As<Napi::Number>().Int32Value();
    if (setsockopt(fd_, SOL_NETLINK, opt, &g, sizeof(g)) != 0)
      ErrnoError(env, errno, name, "group " + std::to_string(g)).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Value AddMembership(const Napi::CallbackInfo& info) {
    return Membership(info, NETLINK_ADD_MEMBERSHIP, "setsockopt(NETLINK_ADD_MEMBERSHIP)");
  }
  Napi::Value DropMembership(const Napi::CallbackInfo& info) {
    return Membership(info, NETLINK_DROP_MEMBERSHIP, "setsockopt(NETLINK_DROP_MEMBERSHIP)");
  }

  // Sets one buffer size: the FORCE option first (ignores rmem_max/wmem_max,
  // needs CAP_NET_ADMIN in the initial user namespace), the plain option when
  // that is refused. Returns the size the kernel reports afterwards.
  int SetOneBuffer(int force_opt, int plain_opt, int size, int* err) {
    *err = 0;
    if (setsockopt(fd_, SOL_SOCKET, force_opt, &size, sizeof(size)) != 0) {
      if (setsockopt(fd_, SOL_SOCKET, plain_opt, &size, sizeof(size)) != 0) *err = errno;
    }
    int actual = 0;
    socklen_t l = sizeof(actual);
    getsockopt(fd_, SOL_SOCKET, plain_opt, &actual, &l);
    return actual;
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
  // (the kernel doubles what it is given).
  Napi::Value SetBuffers(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    Napi::Object opts = info[0].As<Napi::Object>();
    int err = 0;
    if (opts.Has("snd") && opts.Get("snd").IsNumber()) {
      SetOneBuffer(SO_SNDBUFFORCE, SO_SNDBUF, opts.Get("snd").As<Napi::Number>().Int32Value(), &err);
      if (err) {
        ErrnoError(env, err, "setsockopt(SO_SNDBUF)").ThrowAsJavaScriptException();
        return env.Undefined();
      }
    }
    if (opts.Has("rcv") && opts.Get("rcv").IsNumber()) {
      SetOneBuffer(SO_RCVBUFFORCE, SO_RCVBUF, opts.Get("rcv").As<Napi::Number>().Int32Value(), &err);
      if (err) {
        ErrnoError(env, err, "setsockopt(SO_RCVBUF)").ThrowAsJavaScriptException();
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
    int level = info[0].As<Napi::Number>().Int32Value();
    int name = info[1].As<Napi::Number>().Int32Value();
    int value = info[2].As<Napi::Number>().Int32Value();
    if (setsockopt(fd_, level, name, &value, sizeof(value)) != 0)
      ErrnoError(env, errno, "setsockopt", "level " + std::to_string(level) + " option " + std::to_string(name))
          .ThrowAsJavaScriptException();
    return env.Undefined();
  }

  // Collects Buffers (or one Buffer) into an iovec list.
  bool GatherIov(Napi::Env env, Napi::Value v, std::vector<iovec>* iov, Napi::Array* keep) {
    *keep = Napi::Array::New(env);
    auto add = [&](Napi::Value b, uint32_t i) -> bool {
      if (!b.IsTypedArray()) {
        Napi::TypeError::New(env, "send expects a Buffer or an array of Buffers").ThrowAsJavaScriptException();
        return false;
      }
      Napi::Uint8Array u = b.As<Napi::Uint8Array>();
      iov->push_back(iovec{u.Data(), u.ByteLength()});
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
    msghdr mh{};
    sockaddr_nl dst{};
    dst.nl_family = AF_NETLINK;
    mh.msg_name = &dst;
    mh.msg_namelen = sizeof(dst);
    mh.msg_iov = iov.data();
    mh.msg_iovlen = iov.size();
    ssize_t n;
    do n = sendmsg(fd_, &mh, 0); while (n < 0 && errno == EINTR);
    if (n < 0) {
      ErrnoError(env, errno, "sendmsg").ThrowAsJavaScriptException();
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
    if (info.Length() < 1 || !info[0].IsTypedArray()) {
      Napi::TypeError::New(env, "recv expects a Buffer").ThrowAsJavaScriptException();
      return false;
    }
    Napi::Uint8Array u = info[0].As<Napi::Uint8Array>();
    *data = u.Data();
    *len = u.ByteLength();
    *off = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int64Value() : 0;
    *min_room = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Int64Value() : 65536;
    if (*off > *len) *off = *len;
    return true;
  }

  // recv(buf, offset = 0, minRoom = 65536) → { bytes, count, error? }
  // Never blocks. `error` is set when a syscall failed (ENOBUFS after an
  // overrun) or a datagram was truncated; the datagrams read before it stay valid.
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
  // The same, from the thread pool: the kernel produces each dump chunk inside
  // recvmsg, so a long dump runs there while JavaScript decodes the last chunk.
  Napi::Value RecvAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    uint8_t* data;
    size_t off, len, min_room;
    if (!RecvArgs(info, &data, &off, &len, &min_room)) return env.Undefined();
    int timeout = info.Length() > 3 && info[3].IsNumber() ? info[3].As<Napi::Number>().Int32Value() : 0;
    auto* w = new RecvWorker(env, this, fd_, data, off, len, min_room, timeout, info[0].As<Napi::Object>());
    inflight_++;
    Ref();
    Napi::Promise p = w->Promise();
    w->Queue();
    return p;
  }

  static void OnPoll(uv_poll_t* handle, int status, int events) {
    Socket* self = static_cast<Socket*>(handle->data);
    if (!self || self->on_readable_.IsEmpty()) return;
    Napi::Env env = self->on_readable_.Env();
    Napi::HandleScope scope(env);
    // MakeCallback runs microtasks afterwards, as any I/O callback should.
    Napi::Value arg = status < 0 ? ErrnoError(env, -status, "poll").Value() : env.Null();
    (void)events;
    self->on_readable_.MakeCallback(env.Global(), {arg});
  }

  // startPolling(onReadable) — calls onReadable(err|null) on the event loop
  // whenever the socket has data. Keeps the object (and the loop) alive.
  Napi::Value StartPolling(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (!info[0].IsFunction()) {
      Napi::TypeError::New(env, "startPolling expects a function").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    on_readable_ = Napi::Persistent(info[0].As<Napi::Function>());
    if (!poll_) {
      uv_loop_t* loop = nullptr;
      napi_get_uv_event_loop(env, &loop);
      poll_ = new uv_poll_t;
      if (uv_poll_init(loop, poll_, fd_) != 0) {
        delete poll_;
        poll_ = nullptr;
        ErrnoError(env, EINVAL, "uv_poll_init").ThrowAsJavaScriptException();
        return env.Undefined();
      }
      poll_->data = this;
      Ref();
    }
    uv_poll_start(poll_, UV_READABLE, OnPoll);
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
  }

  // close() — idempotent. Also stops polling, which must happen before the fd
  // is closed so libuv never polls a recycled descriptor.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    StopPollingNow();
    closing_ = true;
    if (inflight_ == 0) CloseNow();
    return info.Env().Undefined();
  }

  Napi::Value Fd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd_); }
  Napi::Value PortId(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), port_id_); }
  Napi::Value Closed(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), fd_ < 0 || closing_);
  }

  int fd_ = -1;
  int inflight_ = 0;
  bool closing_ = false;
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
