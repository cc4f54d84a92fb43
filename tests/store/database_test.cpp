#include "store/database.hpp"

#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <array>
#include <fstream>
#include <string>

namespace hubchat::store {
namespace {

using testing::TempDir;

constexpr Migration kNotes{"notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"};
constexpr Migration kTags{"tags", "CREATE TABLE tags (name TEXT PRIMARY KEY) STRICT;"};
constexpr Migration kBroken{"broken", "CREATE TABLE oops (;"};

unsigned mode_of(const std::filesystem::path& path) {
    struct stat status {};
    EXPECT_EQ(::stat(path.c_str(), &status), 0) << path;
    return status.st_mode & 07777;
}

bool has_table(Database& db, std::string_view name) {
    Statement query(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1");
    auto in_use = query.use();
    query.bind(1, name);
    return query.step() && query.integer(0) == 1;
}

std::int64_t pragma(Database& db, std::string_view name) {
    Statement query(db, "PRAGMA " + std::string(name));
    auto in_use = query.use();
    EXPECT_TRUE(query.step());
    return query.integer(0);
}

TEST(Database, CreatesMissingDataDirectoryAndFilePrivately) {
    TempDir temp;
    auto data_dir = temp.path() / "var" / "hubchat";
    {
        Database db(data_dir);
        EXPECT_EQ(db.file(), data_dir / "hubchat.db");
    }
    EXPECT_TRUE(std::filesystem::is_regular_file(data_dir / "hubchat.db"));
    EXPECT_EQ(mode_of(data_dir), 0700u);
    EXPECT_EQ(mode_of(data_dir / "hubchat.db"), 0600u);
}

TEST(Database, AppliesTheSchemaOnceAndReopensWithoutChange) {
    TempDir temp;
    const int latest = static_cast<int>(Database::schema_migrations().size());
    ASSERT_GE(latest, 1);
    {
        Database db(temp.path());
        EXPECT_EQ(db.schema_version(), latest);
        EXPECT_TRUE(has_table(db, "accounts"));
    }
    Database again(temp.path());  // would fail on "table accounts already exists" if re-run
    EXPECT_EQ(again.schema_version(), latest);
    EXPECT_TRUE(has_table(again, "accounts"));
}

TEST(Database, ConnectionSettingsAreOn) {
    TempDir temp;
    Database db(temp.path());
    EXPECT_EQ(db.journal_mode(), "wal");
    EXPECT_EQ(pragma(db, "synchronous"), 1);  // NORMAL
    EXPECT_EQ(pragma(db, "foreign_keys"), 1);
    EXPECT_EQ(pragma(db, "busy_timeout"), Database::kBusyTimeoutMs);
    // WAL for real: a write lands in the -wal file beside the database.
    db.execute("CREATE TABLE scratch (x INTEGER)");
    EXPECT_TRUE(std::filesystem::exists(temp.path() / "hubchat.db-wal"));
}

TEST(Database, ANewDatabaseHasLargePagesAndAnOlderOneKeepsItsOwn) {
    TempDir temp;
    {
        Database db(temp.path() / "new");
        EXPECT_EQ(db.page_size(), Database::kNewPageSize);
    }
    EXPECT_EQ(Database(temp.path() / "new").page_size(), Database::kNewPageSize);

    // A database as an earlier hubchat made it: SQLite's default 4 KiB pages, WAL.
    const auto old_dir = temp.path() / "old";
    std::filesystem::create_directories(old_dir);
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open((old_dir / Database::kFileName).c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw,
                           "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL;"
                           "CREATE TABLE earlier (id INTEGER PRIMARY KEY, body TEXT);"
                           "INSERT INTO earlier (body) VALUES ('kept');",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
    const std::array steps{kNotes};
    Database db(old_dir, steps);
    EXPECT_EQ(db.page_size(), 4096);
    EXPECT_TRUE(has_table(db, "notes"));  // migrated as usual
    Statement select(db, "SELECT body FROM earlier");
    auto in_use = select.use();
    ASSERT_TRUE(select.step());
    EXPECT_EQ(select.text(0), "kept");
}

TEST(Database, WalModeSurvivesReopen) {
    TempDir temp;
    { Database db(temp.path()); }
    Database db(temp.path());
    EXPECT_EQ(db.journal_mode(), "wal");
}

TEST(Database, DataPersistsAcrossReopen) {
    TempDir temp;
    const std::array steps{kNotes};
    {
        Database db(temp.path(), steps);
        Statement insert(db, "INSERT INTO notes (body) VALUES (?1)");
        insert.bind(1, std::string_view("kept"));
        EXPECT_EQ(insert.execute(), 1);
    }
    Database db(temp.path(), steps);
    Statement select(db, "SELECT body FROM notes");
    auto in_use = select.use();
    ASSERT_TRUE(select.step());
    EXPECT_EQ(select.text(0), "kept");
    EXPECT_FALSE(select.step());
}

TEST(Database, AppliesOnlyTheNewStepsToAnOlderDatabase) {
    TempDir temp;
    {
        Database db(temp.path(), std::array{kNotes});
        EXPECT_EQ(db.schema_version(), 1);
        db.execute("INSERT INTO notes (body) VALUES ('before')");
    }
    Database db(temp.path(), std::array{kNotes, kTags});
    EXPECT_EQ(db.schema_version(), 2);
    EXPECT_TRUE(has_table(db, "tags"));
    EXPECT_EQ(pragma(db, "user_version"), 2);
    Statement count(db, "SELECT count(*) FROM notes");
    auto in_use = count.use();
    ASSERT_TRUE(count.step());
    EXPECT_EQ(count.integer(0), 1);
}

TEST(Database, AFailedMigrationUndoesTheWholeBatch) {
    TempDir temp;
    { Database db(temp.path(), std::array{kNotes}); }
    try {
        Database db(temp.path(), std::array{kNotes, kTags, kBroken});
        FAIL() << "a broken migration was accepted";
    } catch (const StoreError& error) {
        std::string message = error.what();
        EXPECT_NE(message.find("migration 3 (broken)"), std::string::npos) << message;
        EXPECT_NE(message.find("syntax error"), std::string::npos) << message;
    }
    Database db(temp.path(), std::array{kNotes});
    EXPECT_EQ(db.schema_version(), 1);
    EXPECT_FALSE(has_table(db, "tags"));  // step 2 ran, then was rolled back with step 3
}

TEST(Database, RefusesADatabaseFromANewerHubchat) {
    TempDir temp;
    { Database db(temp.path(), std::array{kNotes, kTags}); }
    try {
        Database db(temp.path(), std::array{kNotes});
        FAIL() << "a newer schema was accepted";
    } catch (const StoreError& error) {
        EXPECT_NE(std::string(error.what()).find("newer"), std::string::npos) << error.what();
    }
}

TEST(Database, RefusesADataDirectoryThatIsAFile) {
    TempDir temp;
    auto file = temp.path() / "plain";
    { std::ofstream(file) << "not a directory\n"; }
    try {
        Database db(file);
        FAIL() << "opened a database inside a file";
    } catch (const StoreError& error) {
        EXPECT_NE(std::string(error.what()).find("not a directory"), std::string::npos)
            << error.what();
    }
}

TEST(Statement, BindsStepsAndResetsForReuse) {
    TempDir temp;
    Database db(temp.path(), std::array{kNotes});
    Statement insert(db, "INSERT INTO notes (id, body) VALUES (?1, ?2)");
    insert.bind(1, std::int64_t{1}).bind(2, std::string_view("a\0b", 3));
    EXPECT_EQ(insert.execute(), 1);
    insert.bind(1, std::int64_t{2}).bind(2, std::string_view());
    EXPECT_EQ(insert.execute(), 1);
    insert.bind(1, std::int64_t{3}).bind_null(2);
    EXPECT_EQ(insert.execute(), 1);
    insert.bind(1, std::int64_t{1} << 40).bind(2, std::string_view("big"));
    EXPECT_EQ(insert.execute(), 1);

    Statement select(db, "SELECT id, body FROM notes ORDER BY id");
    for (int round = 0; round < 2; ++round) {  // the second round proves reset works
        auto in_use = select.use();
        ASSERT_TRUE(select.step());
        EXPECT_EQ(select.integer(0), 1);
        EXPECT_EQ(select.text(1), std::string("a\0b", 3));  // embedded NUL kept
        ASSERT_TRUE(select.step());
        EXPECT_FALSE(select.is_null(1));  // an empty view is the empty string, not NULL
        EXPECT_EQ(select.text(1), "");
        ASSERT_TRUE(select.step());
        EXPECT_TRUE(select.is_null(1));
        ASSERT_TRUE(select.step());
        EXPECT_EQ(select.integer(0), std::int64_t{1} << 40);
        EXPECT_FALSE(select.step());
    }

    Statement update(db, "UPDATE notes SET body = 'x' WHERE id > ?1");
    update.bind(1, std::int64_t{1});
    EXPECT_EQ(update.execute(), 3);
}

TEST(Statement, ErrorsCarrySqlitesMessage) {
    TempDir temp;
    Database db(temp.path(), std::array{kNotes});
    try {
        Statement bad(db, "SELECT * FROM nowhere");
        FAIL();
    } catch (const StoreError& error) {
        EXPECT_NE(std::string(error.what()).find("no such table: nowhere"), std::string::npos)
            << error.what();
    }
    EXPECT_THROW(Statement(db, "SELECT 1; SELECT 2"), StoreError);

    Statement insert(db, "INSERT INTO notes (id, body) VALUES (?1, 'x')");
    insert.bind(1, std::int64_t{7});
    insert.execute();
    insert.bind(1, std::int64_t{7});
    try {
        insert.execute();
        FAIL() << "duplicate key accepted";
    } catch (const StoreError& error) {
        EXPECT_EQ(error.code() & 0xff, 19) << error.what();  // SQLITE_CONSTRAINT
        EXPECT_NE(std::string(error.what()).find("UNIQUE constraint failed"), std::string::npos)
            << error.what();
    }
    insert.bind(1, std::int64_t{8});  // usable again after the failure
    EXPECT_EQ(insert.execute(), 1);
}

TEST(Database, EnforcesForeignKeys) {
    TempDir temp;
    constexpr Migration parent_child{
        "parent and child",
        "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
        "CREATE TABLE child (parent_id INTEGER NOT NULL REFERENCES parent (id));"};
    Database db(temp.path(), std::array{parent_child});
    EXPECT_THROW(db.execute("INSERT INTO child VALUES (42)"), StoreError);
}

TEST(Transaction, RollsBackUnlessCommitted) {
    TempDir temp;
    Database db(temp.path(), std::array{kNotes});
    {
        Transaction transaction(db);
        db.execute("INSERT INTO notes (body) VALUES ('dropped')");
    }
    {
        Transaction transaction(db);
        db.execute("INSERT INTO notes (body) VALUES ('kept')");
        transaction.commit();
    }
    Statement select(db, "SELECT group_concat(body) FROM notes");
    auto in_use = select.use();
    ASSERT_TRUE(select.step());
    EXPECT_EQ(select.text(0), "kept");
}

TEST(Database, TwoConnectionsSeeEachOthersCommits) {
    TempDir temp;
    Database writer(temp.path(), std::array{kNotes});
    Database reader(temp.path(), std::array{kNotes});
    writer.execute("INSERT INTO notes (body) VALUES ('shared')");
    Statement count(reader, "SELECT count(*) FROM notes");
    auto in_use = count.use();
    ASSERT_TRUE(count.step());
    EXPECT_EQ(count.integer(0), 1);
}

// checkpoint() says whether it copied the whole log: a reader still on an older snapshot
// holds back the pages committed after it.
TEST(Database, ACheckpointSaysWhetherItCopiedTheWholeLog) {
    TempDir temp;
    Database writer(temp.path(), std::array{kNotes});
    Database reader(temp.path(), std::array{kNotes});
    Database checkpointer(temp.path(), std::array{kNotes});
    writer.execute("INSERT INTO notes (body) VALUES ('first')");
    EXPECT_TRUE(checkpointer.checkpoint());

    reader.execute("BEGIN; SELECT count(*) FROM notes;");  // a read snapshot, held open
    writer.execute("INSERT INTO notes (body) VALUES ('second')");
    EXPECT_FALSE(checkpointer.checkpoint());

    reader.execute("COMMIT");
    EXPECT_TRUE(checkpointer.checkpoint());
}

}  // namespace
}  // namespace hubchat::store
