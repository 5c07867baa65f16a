/* Failing stand-ins for the libdbus functions that Debian's libpcap.a refers
 * to (pcap-dbus.c, capture from D-Bus message buses). Linked only into
 * `make static`: libdbus.a would pull in libsystemd, which has no static
 * library. casefile never opens a "dbus-*" capture device, and if anything
 * did, libpcap would get "no connection" here and report an ordinary error.
 * The types are opaque pointers: these stubs never dereference them. */
#include <stddef.h>

typedef struct { const char *name, *message; unsigned d1, d2; void *p; } DBusError;
typedef int dbus_bool_t;

void *dbus_bus_get(int type, DBusError *err);
void *dbus_connection_open(const char *address, DBusError *err);
dbus_bool_t dbus_bus_register(void *conn, DBusError *err);
void dbus_bus_add_match(void *conn, const char *rule, DBusError *err);
void dbus_connection_flush(void *conn);
void *dbus_connection_pop_message(void *conn);
dbus_bool_t dbus_connection_read_write(void *conn, int timeout_ms);
dbus_bool_t dbus_connection_send(void *conn, void *msg, unsigned *serial);
void dbus_connection_set_max_received_size(void *conn, long size);
void dbus_connection_unref(void *conn);
void dbus_error_free(DBusError *err);
dbus_bool_t dbus_error_is_set(const DBusError *err);
void dbus_free(void *mem);
void *dbus_message_demarshal(const char *str, int len, DBusError *err);
dbus_bool_t dbus_message_is_signal(void *msg, const char *iface, const char *name);
dbus_bool_t dbus_message_marshal(void *msg, char **str, int *len);
void dbus_message_unref(void *msg);

static void set_error(DBusError *err)
{
	if (err) {
		err->name = "org.freedesktop.DBus.Error.NotSupported";
		err->message = "D-Bus capture is not available in the static casefile-capture";
	}
}

void *dbus_bus_get(int type, DBusError *err) { (void)type; set_error(err); return NULL; }
void *dbus_connection_open(const char *address, DBusError *err) { (void)address; set_error(err); return NULL; }
dbus_bool_t dbus_bus_register(void *conn, DBusError *err) { (void)conn; set_error(err); return 0; }
void dbus_bus_add_match(void *conn, const char *rule, DBusError *err) { (void)conn; (void)rule; set_error(err); }
void dbus_connection_flush(void *conn) { (void)conn; }
void *dbus_connection_pop_message(void *conn) { (void)conn; return NULL; }
dbus_bool_t dbus_connection_read_write(void *conn, int timeout_ms) { (void)conn; (void)timeout_ms; return 0; }
dbus_bool_t dbus_connection_send(void *conn, void *msg, unsigned *serial) { (void)conn; (void)msg; (void)serial; return 0; }
void dbus_connection_set_max_received_size(void *conn, long size) { (void)conn; (void)size; }
void dbus_connection_unref(void *conn) { (void)conn; }
void dbus_error_free(DBusError *err) { (void)err; }
dbus_bool_t dbus_error_is_set(const DBusError *err) { return err && err->name; }
void dbus_free(void *mem) { (void)mem; }
void *dbus_message_demarshal(const char *str, int len, DBusError *err) { (void)str; (void)len; set_error(err); return NULL; }
dbus_bool_t dbus_message_is_signal(void *msg, const char *iface, const char *name) { (void)msg; (void)iface; (void)name; return 0; }
dbus_bool_t dbus_message_marshal(void *msg, char **str, int *len) { (void)msg; (void)str; (void)len; return 0; }
void dbus_message_unref(void *msg) { (void)msg; }
