#include "store/database.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <utility>

namespace hubchat::store {
namespace {

std::string sqlite_message(sqlite3* db, int code) {
    // With no connection (open ran out of memory) only the code's generic text exists.
    const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    return std::string(detail) + " (SQLite code " + std::to_string(code) + ")";
}

[[noreturn]] void throw_errno(const std::string& what) {
    throw StoreError(what + ": " + std::strerror(errno), 0);
}

// mkdir with mode 0700 for the data directory itself; its parents, if missing, get the
// usual permissions, as `mkdir -p` would give them.
void create_data_dir(const std::filesystem::path& dir) {
    std::error_code error;
    if (std::filesystem::is_directory(dir, error)) return;
    if (dir.has_parent_path() && !dir.parent_path().empty()) {
        std::filesystem::create_directories(dir.parent_path(), error);
        if (error) {
            throw StoreError("cannot create " + dir.parent_path().string() + ": " + error.message(),
                             0);
        }
    }
    if (::mkdir(dir.c_str(), 0700) == 0) return;
    if (errno != EEXIST) throw_errno("cannot create data directory " + dir.string());
    // EEXIST: made by someone else since the check above, or not a directory at all.
    if (!std::filesystem::is_directory(dir, error)) {
        throw StoreError("data directory " + dir.string() + " exists but is not a directory", 0);
    }
}

// SQLite would create the file with 0644 (less the umask); its -wal and -shm files copy
// the database file's mode. Creating the file first with 0600 keeps all three private.
void create_private_file(const std::filesystem::path& file) {
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ::close(fd);
        return;
    }
    if (errno != EEXIST) throw_errno("cannot create " + file.string());
}

}  // namespace

StoreError::StoreError(const std::string& message, int code)
    : std::runtime_error(message), code_(code) {}

// ---- Statement ----

Statement::Statement(Database& db, std::string_view sql) {
    const char* tail = nullptr;
    int code = sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()),
                                  SQLITE_PREPARE_PERSISTENT, &statement_, &tail);
    if (code != SQLITE_OK) {
        throw StoreError(
            "cannot prepare \"" + std::string(sql) + "\": " + sqlite_message(db.handle(), code),
            code);
    }
    // Everything after the first statement would be silently ignored by step().
    std::string_view rest(tail, static_cast<std::size_t>(sql.data() + sql.size() - tail));
    if (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
        sqlite3_finalize(statement_);
        statement_ = nullptr;
        throw StoreError("a Statement holds one SQL statement, got more: " + std::string(sql),
                         SQLITE_MISUSE);
    }
}

Statement::~Statement() {
    sqlite3_finalize(statement_);
}

Statement::Statement(Statement&& other) noexcept
    : statement_(std::exchange(other.statement_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(statement_);
        statement_ = std::exchange(other.statement_, nullptr);
    }
    return *this;
}

void Statement::fail(std::string_view what, int code) const {
    throw StoreError(std::string(what) + " \"" + sqlite3_sql(statement_) +
                         "\": " + sqlite_message(sqlite3_db_handle(statement_), code),
                     code);
}

Statement& Statement::bind(int index, std::string_view text) {
    // A null pointer would bind SQL NULL, not the empty string.
    const char* data = text.data() != nullptr ? text.data() : "";
    int code =
        sqlite3_bind_text64(statement_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (code != SQLITE_OK) fail("cannot bind parameter " + std::to_string(index) + " of", code);
    return *this;
}

Statement& Statement::bind_unowned(int index, std::string_view text) {
    const char* data = text.data() != nullptr ? text.data() : "";
    int code =
        sqlite3_bind_text64(statement_, index, data, text.size(), SQLITE_STATIC, SQLITE_UTF8);
    if (code != SQLITE_OK) fail("cannot bind parameter " + std::to_string(index) + " of", code);
    return *this;
}

Statement& Statement::bind_blob_unowned(int index, std::string_view bytes) {
    // A null pointer would bind SQL NULL, not the empty blob.
    const char* data = bytes.data() != nullptr ? bytes.data() : "";
    int code = sqlite3_bind_blob64(statement_, index, data, bytes.size(), SQLITE_STATIC);
    if (code != SQLITE_OK) fail("cannot bind parameter " + std::to_string(index) + " of", code);
    return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
    int code = sqlite3_bind_int64(statement_, index, value);
    if (code != SQLITE_OK) fail("cannot bind parameter " + std::to_string(index) + " of", code);
    return *this;
}

Statement& Statement::bind_null(int index) {
    int code = sqlite3_bind_null(statement_, index);
    if (code != SQLITE_OK) fail("cannot bind parameter " + std::to_string(index) + " of", code);
    return *this;
}

bool Statement::step() {
    int code = sqlite3_step(statement_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    // Reset now so the failed statement does not hold its transaction; the error text
    // is read first because reset would not change it, but a later call might.
    std::string message = sqlite_message(sqlite3_db_handle(statement_), code);
    sqlite3_reset(statement_);
    throw StoreError("cannot run \"" + std::string(sqlite3_sql(statement_)) + "\": " + message,
                     code);
}

int Statement::execute() {
    Use in_use(*this);
    while (step()) {
    }
    return sqlite3_changes(sqlite3_db_handle(statement_));
}

std::string Statement::text(int column) const {
    // Pointer first, then the byte count: the documented order for a stable result.
    const auto* data = sqlite3_column_text(statement_, column);
    int size = sqlite3_column_bytes(statement_, column);
    if (data == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
}

std::string_view Statement::bytes(int column) const {
    const void* data = sqlite3_column_blob(statement_, column);
    int size = sqlite3_column_bytes(statement_, column);
    if (data == nullptr) return {};
    return {static_cast<const char*>(data), static_cast<std::size_t>(size)};
}

std::int64_t Statement::integer(int column) const {
    return sqlite3_column_int64(statement_, column);
}

bool Statement::is_null(int column) const {
    return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

void Statement::reset() {
    // sqlite3_reset repeats the last step's error, which step() has already reported.
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
}

// ---- Database ----

Database::Database(const std::filesystem::path& data_dir, std::span<const Migration> migrations)
    : file_(data_dir / kFileName) {
    // No memory statistics: keeping them takes a global mutex on every allocation SQLite
    // makes, and every stored message makes several. Must come before SQLite starts.
    static std::once_flag configured;
    std::call_once(configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
    create_data_dir(data_dir);
    create_private_file(file_);
    // NOMUTEX: each connection is used by one thread at a time (see the header), so
    // SQLite's per-call locking is pure cost on the path every stored message takes.
    int code =
        sqlite3_open_v2(file_.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (code != SQLITE_OK) {
        std::string message = sqlite_message(db_, code);
        sqlite3_close_v2(db_);  // open hands back a handle even when it fails
        db_ = nullptr;
        throw StoreError("cannot open " + file_.string() + ": " + message, code);
    }
    try {
        configure();
        migrate(migrations);
    } catch (...) {
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw;
    }
}

Database::~Database() {
    // close_v2 defers the close until the last Statement is finalized, so an owner that
    // destroys the Database before its statements does not leak the connection.
    sqlite3_close_v2(db_);
}

void Database::watch_log(int own_checkpoint_pages) {
    own_checkpoint_pages_ = own_checkpoint_pages;
    sqlite3_wal_hook(db_, &Database::on_log_commit, this);
}

int Database::on_log_commit(void* self, sqlite3* db, const char* name, int pages) {
    auto& database = *static_cast<Database*>(self);
    database.log_pages_ = pages;
    // What SQLite's own hook does at wal_autocheckpoint: a failure here is not the
    // commit's (it has happened), and the next one tries again.
    if (pages >= database.own_checkpoint_pages_) sqlite3_wal_checkpoint(db, name);
    return SQLITE_OK;
}

int Database::page_size() {
    return integer_pragma("PRAGMA page_size", 4096);
}

bool Database::checkpoint() {
    int log_frames = 0;
    int copied_frames = 0;
    const int code = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames,
                                               &copied_frames);
    // BUSY: another connection is checkpointing; it copies the same pages.
    if (code == SQLITE_BUSY) return false;
    if (code != SQLITE_OK) {
        throw StoreError("checkpoint failed: " + sqlite_message(db_, code), code);
    }
    return copied_frames == log_frames;
}

void Database::configure() {
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    // WAL: readers do not block the writer and a commit is one append to the log.
    // synchronous=NORMAL is safe with WAL (a power cut may lose the last commits, never
    // corrupt the file) and spares the SD card of a Raspberry Pi an fsync per commit.
    // Both, and foreign_keys, are per connection and must be set outside a transaction.
    execute("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;");
    // Only a new database takes it (before its first write, which the switch to WAL is);
    // one made with another page size keeps it.
    execute("PRAGMA page_size = " + std::to_string(kNewPageSize));
    std::string mode;
    {
        Statement set_wal(*this, "PRAGMA journal_mode = WAL");
        auto in_use = set_wal.use();
        if (set_wal.step()) mode = set_wal.text(0);
    }
    if (mode != "wal") {
        throw StoreError("cannot switch " + file_.string() + " to WAL journal mode (still \"" +
                             mode + "\"); is the data directory on a network file system?",
                         0);
    }
}

void Database::migrate(std::span<const Migration> migrations) {
    const int known = static_cast<int>(migrations.size());
    if (schema_version() == known) return;  // the usual case: nothing to do, no write lock

    Transaction transaction(*this);
    // Read again under the write lock: another process may have migrated meanwhile.
    const int current = schema_version();
    if (current > known) {
        throw StoreError(file_.string() + " has schema version " + std::to_string(current) +
                             ", newer than this hubchat knows (" + std::to_string(known) +
                             "); run a newer hubchat or restore a backup",
                         0);
    }
    for (int step = current; step < known; ++step) {
        const Migration& migration = migrations[static_cast<std::size_t>(step)];
        try {
            execute(migration.sql);
            if (migration.code != nullptr) migration.code(*this);
        } catch (const StoreError& error) {
            throw StoreError("schema migration " + std::to_string(step + 1) + " (" +
                                 std::string(migration.description) + ") failed: " + error.what(),
                             error.code());
        }
    }
    // PRAGMA takes no bound parameters; the value is our own integer.
    execute("PRAGMA user_version = " + std::to_string(known));
    transaction.commit();
}

void Database::execute(std::string_view sql) {
    // sqlite3_exec needs a terminated string.
    std::string terminated(sql);
    char* error = nullptr;
    int code = sqlite3_exec(db_, terminated.c_str(), nullptr, nullptr, &error);
    if (code != SQLITE_OK) {
        std::string message = error != nullptr ? error : sqlite3_errstr(code);
        sqlite3_free(error);
        throw StoreError(message + " (SQLite code " + std::to_string(code) + ")", code);
    }
}

int Database::schema_version() {
    return integer_pragma("PRAGMA user_version", 0);
}

int Database::integer_pragma(const char* pragma, int otherwise) {
    Statement query(*this, pragma);
    auto in_use = query.use();
    return query.step() ? static_cast<int>(query.integer(0)) : otherwise;
}

std::string Database::journal_mode() {
    Statement query(*this, "PRAGMA journal_mode");
    auto in_use = query.use();
    return query.step() ? query.text(0) : std::string();
}

// ---- Transaction ----

Transaction::Transaction(Database& db) : db_(db) {
    if (!db_.begin_) db_.begin_.emplace(db_, "BEGIN IMMEDIATE");
    db_.begin_->execute();
}

Transaction::~Transaction() {
    if (!open_) return;
    try {
        db_.execute("ROLLBACK");
    } catch (const StoreError&) {
        // SQLite may already have rolled back on its own (after SQLITE_FULL, say), and
        // a destructor must not throw; there is nothing left to undo.
    }
}

void Transaction::commit() {
    if (!db_.commit_) db_.commit_.emplace(db_, "COMMIT");
    db_.commit_->execute();
    open_ = false;
}

}  // namespace hubchat::store
