/* migrate.h - numbered schema migrations embedded in the binary
 * (src/store/migrations/NNN_name.sql, built into zt_migrations[] by
 * scripts/embed-migrations.sh). Applied in order at open, each in its own
 * transaction, recorded in schema_migrations. */
#ifndef ZT_MIGRATE_H
#define ZT_MIGRATE_H

typedef struct zt_migration {
    int version;
    const char *name;
    const char *sql;
} zt_migration;

/* Terminated by an entry with version 0. */
extern const zt_migration zt_migrations[];

#endif
