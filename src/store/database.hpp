// The hub's SQLite database: one file, <data_dir>/hubchat.db, with its schema brought up
// to date on open. Statements are prepared once and reused.
//
// Threads: a Database is one SQLite connection, and the Statements prepared on it share
// its state (transactions, last error). Use a Database and everything built on it from
// one thread at a time. A second thread that needs the store opens its own Database on
// the same directory: WAL lets readers and one writer proceed together, and the busy
// timeout makes a writer wait for another instead of failing at once.
//
// Errors: SQLite failures throw StoreError carrying sqlite3_errmsg. They mean a broken
// disk, a corrupt file or a bug, not a user mistake; expected outcomes (a name already
// taken, a wrong password) are return values of the classes above this one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

// The SQLite handles, declared here so that users of this header do not include sqlite3.h.
struct sqlite3;
struct sqlite3_stmt;

namespace hubchat::store {

class StoreError : public std::runtime_error {
  public:
    // `code` is SQLite's extended result code (0 when the error did not come from SQLite).
    StoreError(const std::string& message, int code);
    int code() const { return code_; }

  private:
    int code_;
};

class Database;

// One step of the schema's history. Steps are applied in order, each exactly once:
// PRAGMA user_version counts how many a database has had. Never edit or reorder a step
// that has shipped; append a new one.
struct Migration {
    std::string_view description;  // for error messages: "migration 2 (history tables) failed"
    std::string_view sql;          // one or more statements
    // Work SQL cannot express (re-encoding rows), run after `sql` in the same transaction.
    void (*code)(Database& db) = nullptr;
};

// A prepared statement. Bind parameters (1-based, as in SQL's ?1), step through rows,
// then reset before the next use. Hold a Statement::Use while reading so that an early
// return still resets it: a statement left mid-query keeps a read transaction open, and
// in WAL mode that stops checkpoints from shrinking the log.
class Statement {
  public:
    Statement(Database& db, std::string_view sql);
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // The text is copied into SQLite, so temporaries are fine.
    Statement& bind(int index, std::string_view text);
    // Not copied: SQLite reads `text` in place, so it must stay as it is until reset().
    // For hot paths binding text that outlives the statement's use.
    Statement& bind_unowned(int index, std::string_view text);
    Statement& bind(int index, std::int64_t value);
    Statement& bind_null(int index);
    // A BLOB read in place, like bind_unowned.
    Statement& bind_blob_unowned(int index, std::string_view bytes);

    // True with a row to read, false once the statement is done.
    bool step();
    // Steps a statement that returns no rows to the end, resets it, and returns the
    // number of rows it inserted, updated or deleted.
    int execute();

    // Columns of the current row, 0-based.
    std::string text(int column) const;
    // The bytes of a TEXT or BLOB column, valid until the next step() or reset().
    std::string_view bytes(int column) const;
    std::int64_t integer(int column) const;
    bool is_null(int column) const;

    // Ready to bind and step again; bindings are cleared.
    void reset();

    class [[nodiscard]] Use {
      public:
        explicit Use(Statement& statement) : statement_(statement) {}
        ~Use() { statement_.reset(); }
        Use(const Use&) = delete;
        Use& operator=(const Use&) = delete;

      private:
        Statement& statement_;
    };
    Use use() { return Use(*this); }

  private:
    [[noreturn]] void fail(std::string_view what, int code) const;

    sqlite3_stmt* statement_ = nullptr;
};

class Database {
  public:
    static constexpr std::string_view kFileName = "hubchat.db";
    static constexpr int kBusyTimeoutMs = 5000;
    // The page size of a database this creates. SQLite's default, 4 KiB, made the history
    // writer pay per page (a b-tree page, a log frame written with two pwrite calls, its
    // checksum, the checkpoint's copy) every ~30 messages; with 16 KiB pages the writer and
    // the checkpointer took ~60 ns less per message and direct messages with history ran
    // ~6 % faster (docs/BENCHMARKS.md, 2026-12-04 afternoon). A database made earlier keeps
    // its 4 KiB pages: SQLite changes a WAL database's page size only by rebuilding it.
    static constexpr int kNewPageSize = 16384;

    // Opens <data_dir>/hubchat.db, creating the directory (mode 0700: the file holds
    // password hashes) and the file (mode 0600) when missing, and applies the pending
    // `migrations` in one transaction. Throws StoreError; a database written by a newer
    // hubchat (more migrations than we know) is refused rather than guessed at.
    explicit Database(const std::filesystem::path& data_dir,
                      std::span<const Migration> migrations = schema_migrations());
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // The steps of hubchat's own schema (store/schema.cpp).
    static std::span<const Migration> schema_migrations();

    // Runs SQL that returns no rows (may hold several statements). For one-off work;
    // repeated statements should be prepared once as a Statement.
    void execute(std::string_view sql);

    // PRAGMA user_version: how many migrations this database has had.
    int schema_version();
    std::string journal_mode();
    const std::filesystem::path& file() const { return file_; }

    sqlite3* handle() { return db_; }

    // From now on, note the write-ahead log's length after each commit on this
    // connection (log_pages()), and copy the log into the database file inside the commit
    // that takes it to `own_checkpoint_pages`, as SQLite's wal_autocheckpoint does (which
    // this replaces).
    void watch_log(int own_checkpoint_pages);
    // Pages in the log after this connection's last commit (watch_log); it falls when
    // the log has been copied and a commit started it over.
    int log_pages() const { return log_pages_; }
    int page_size();
    // Copies into the database file what of the log it can without waiting for anyone
    // (PRAGMA wal_checkpoint(PASSIVE)); throws StoreError. True when that was all of the
    // log as it stood when the copy began (a reader of an older snapshot, or another
    // connection's checkpoint, can hold some of it back).
    bool checkpoint();

  private:
    void configure();
    void migrate(std::span<const Migration> migrations);
    // A PRAGMA's integer answer, `otherwise` when it gives none.
    int integer_pragma(const char* pragma, int otherwise);
    static int on_log_commit(void* self, sqlite3* db, const char* name, int pages);

    friend class Transaction;

    std::filesystem::path file_;
    sqlite3* db_ = nullptr;
    // Transaction's statements, prepared on first use: parsing BEGIN and COMMIT again
    // for every transaction cost more than running them when commits are small.
    std::optional<Statement> begin_;
    std::optional<Statement> commit_;
    int log_pages_ = 0;
    int own_checkpoint_pages_ = 0;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back if commit() is not reached. IMMEDIATE takes the
// write lock at the start, so two writers queue on the busy timeout instead of one failing
// with SQLITE_BUSY when it upgrades a read lock midway.
class Transaction {
  public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    void commit();

  private:
    Database& db_;
    bool open_ = true;
};

}  // namespace hubchat::store
