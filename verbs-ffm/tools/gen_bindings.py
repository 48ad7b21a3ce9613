#!/usr/bin/env python3
"""Writes the jextract-style FFM bindings of io.flyover.verbs.bindings from the spec below.

The spec is a hand transcription of the structs, function pointers, functions and constants of
/usr/include/infiniband/verbs.h (Debian libibverbs-dev 44.0) that a RAW_PACKET data path needs.
Offsets and sizes are computed here with the x86-64 System V C rules (natural alignment, explicit
padding), written into the Java classes as constants, and checked against the real header by
LayoutProbeTest, which compiles a C program with gcc that prints sizeof/offsetof for every field.

Usage (from verbs-ffm/):  python3 tools/gen_bindings.py
To extend: add the struct/field/function/constant to the spec, rerun, rebuild; the probe test then
checks the new fields against the header automatically (it walks every generated layout).
"""
import os

PKG = "io.flyover.verbs.bindings"
OUT = os.path.join(os.path.dirname(__file__), "..", "src", "main", "java", *PKG.split("."))

# ---- scalar types: (size, align, java value layout, java carrier, layout class) ----
SCALARS = {
    "u8": (1, 1, "JAVA_BYTE", "byte", "OfByte"),
    "u16": (2, 2, "JAVA_SHORT", "short", "OfShort"),
    "u32": (4, 4, "JAVA_INT", "int", "OfInt"),
    "i32": (4, 4, "JAVA_INT", "int", "OfInt"),
    "enum": (4, 4, "JAVA_INT", "int", "OfInt"),
    "u64": (8, 8, "JAVA_LONG", "long", "OfLong"),
    "size": (8, 8, "JAVA_LONG", "long", "OfLong"),
    "ptr": (8, 8, "ADDRESS", "MemorySegment", "@AddressLayout"),
}

# Function-pointer types: name -> (return, [(arg name, type)]); types: int, void, ptr, u8, size.
FNTYPES = {
    "poll_cq": ("int", [("cq", "ptr"), ("num_entries", "int"), ("wc", "ptr")]),
    "req_notify_cq": ("int", [("cq", "ptr"), ("solicited_only", "int")]),
    "post_send": ("int", [("qp", "ptr"), ("wr", "ptr"), ("bad_wr", "ptr")]),
    "post_recv": ("int", [("qp", "ptr"), ("wr", "ptr"), ("bad_wr", "ptr")]),
    "query_port": ("int", [("context", "ptr"), ("port_num", "u8"), ("port_attr", "ptr"), ("port_attr_len", "size")]),
    "ibv_destroy_flow": ("int", [("flow", "ptr")]),
    "ibv_create_flow": ("ptr", [("qp", "ptr"), ("flow_attr", "ptr")]),
}

def fn(name):
    return "fn:" + name

MUTEX = ("u64[5]",)  # pthread_mutex_t: 40 bytes, 8-aligned (glibc x86-64)
COND = ("u64[6]",)   # pthread_cond_t: 48 bytes, 8-aligned

# Structs and unions: (C name, 'struct'|'union', [fields]); a field is (name, type) where type is
# a scalar, 'T[N]' array of scalar, 'fn:X', 'struct:X'/'union:X' (another spec entry), or an inline
# ('struct'|'union', [fields]); a name of None is an anonymous member (C11), flattened in accessors.
STRUCTS = [
    ("ibv_gid", "union", [("raw", "u8[16]"), ("global", ("struct", [("subnet_prefix", "u64"), ("interface_id", "u64")]))]),
    ("_ibv_device_ops", "struct", [("_dummy1", "ptr"), ("_dummy2", "ptr")]),
    ("ibv_device", "struct", [("_ops", "struct:_ibv_device_ops"), ("node_type", "enum"), ("transport_type", "enum"),
                              ("name", "u8[64]"), ("dev_name", "u8[64]"), ("dev_path", "u8[256]"), ("ibdev_path", "u8[256]")]),
    ("ibv_device_attr", "struct", [
        ("fw_ver", "u8[64]"), ("node_guid", "u64"), ("sys_image_guid", "u64"), ("max_mr_size", "u64"), ("page_size_cap", "u64"),
        ("vendor_id", "u32"), ("vendor_part_id", "u32"), ("hw_ver", "u32"), ("max_qp", "i32"), ("max_qp_wr", "i32"),
        ("device_cap_flags", "u32"), ("max_sge", "i32"), ("max_sge_rd", "i32"), ("max_cq", "i32"), ("max_cqe", "i32"),
        ("max_mr", "i32"), ("max_pd", "i32"), ("max_qp_rd_atom", "i32"), ("max_ee_rd_atom", "i32"), ("max_res_rd_atom", "i32"),
        ("max_qp_init_rd_atom", "i32"), ("max_ee_init_rd_atom", "i32"), ("atomic_cap", "enum"), ("max_ee", "i32"),
        ("max_rdd", "i32"), ("max_mw", "i32"), ("max_raw_ipv6_qp", "i32"), ("max_raw_ethy_qp", "i32"), ("max_mcast_grp", "i32"),
        ("max_mcast_qp_attach", "i32"), ("max_total_mcast_qp_attach", "i32"), ("max_ah", "i32"), ("max_fmr", "i32"),
        ("max_map_per_fmr", "i32"), ("max_srq", "i32"), ("max_srq_wr", "i32"), ("max_srq_sge", "i32"), ("max_pkeys", "u16"),
        ("local_ca_ack_delay", "u8"), ("phys_port_cnt", "u8")]),
    ("ibv_port_attr", "struct", [
        ("state", "enum"), ("max_mtu", "enum"), ("active_mtu", "enum"), ("gid_tbl_len", "i32"), ("port_cap_flags", "u32"),
        ("max_msg_sz", "u32"), ("bad_pkey_cntr", "u32"), ("qkey_viol_cntr", "u32"), ("pkey_tbl_len", "u16"), ("lid", "u16"),
        ("sm_lid", "u16"), ("lmc", "u8"), ("max_vl_num", "u8"), ("sm_sl", "u8"), ("subnet_timeout", "u8"),
        ("init_type_reply", "u8"), ("active_width", "u8"), ("active_speed", "u8"), ("phys_state", "u8"), ("link_layer", "u8"),
        ("flags", "u8"), ("port_cap_flags2", "u16")]),
    ("ibv_context_ops", "struct", [
        ("_compat_query_device", "ptr"), ("_compat_query_port", "ptr"), ("_compat_alloc_pd", "ptr"), ("_compat_dealloc_pd", "ptr"),
        ("_compat_reg_mr", "ptr"), ("_compat_rereg_mr", "ptr"), ("_compat_dereg_mr", "ptr"), ("alloc_mw", "ptr"), ("bind_mw", "ptr"),
        ("dealloc_mw", "ptr"), ("_compat_create_cq", "ptr"), ("poll_cq", fn("poll_cq")), ("req_notify_cq", fn("req_notify_cq")),
        ("_compat_cq_event", "ptr"), ("_compat_resize_cq", "ptr"), ("_compat_destroy_cq", "ptr"), ("_compat_create_srq", "ptr"),
        ("_compat_modify_srq", "ptr"), ("_compat_query_srq", "ptr"), ("_compat_destroy_srq", "ptr"), ("post_srq_recv", "ptr"),
        ("_compat_create_qp", "ptr"), ("_compat_query_qp", "ptr"), ("_compat_modify_qp", "ptr"), ("_compat_destroy_qp", "ptr"),
        ("post_send", fn("post_send")), ("post_recv", fn("post_recv")), ("_compat_create_ah", "ptr"), ("_compat_destroy_ah", "ptr"),
        ("_compat_attach_mcast", "ptr"), ("_compat_detach_mcast", "ptr"), ("_compat_async_event", "ptr")]),
    ("ibv_context", "struct", [("device", "ptr"), ("ops", "struct:ibv_context_ops"), ("cmd_fd", "i32"), ("async_fd", "i32"),
                               ("num_comp_vectors", "i32"), ("mutex", "u64[5]"), ("abi_compat", "ptr")]),
    ("verbs_context", "struct", [
        ("query_port", fn("query_port")), ("advise_mr", "ptr"), ("alloc_null_mr", "ptr"), ("read_counters", "ptr"),
        ("attach_counters_point_flow", "ptr"), ("create_counters", "ptr"), ("destroy_counters", "ptr"), ("reg_dm_mr", "ptr"),
        ("alloc_dm", "ptr"), ("free_dm", "ptr"), ("modify_flow_action_esp", "ptr"), ("destroy_flow_action", "ptr"),
        ("create_flow_action_esp", "ptr"), ("modify_qp_rate_limit", "ptr"), ("alloc_parent_domain", "ptr"), ("dealloc_td", "ptr"),
        ("alloc_td", "ptr"), ("modify_cq", "ptr"), ("post_srq_ops", "ptr"), ("destroy_rwq_ind_table", "ptr"),
        ("create_rwq_ind_table", "ptr"), ("destroy_wq", "ptr"), ("modify_wq", "ptr"), ("create_wq", "ptr"),
        ("query_rt_values", "ptr"), ("create_cq_ex", "ptr"), ("priv", "ptr"), ("query_device_ex", "ptr"),
        ("ibv_destroy_flow", fn("ibv_destroy_flow")), ("ABI_placeholder2", "ptr"), ("ibv_create_flow", fn("ibv_create_flow")),
        ("ABI_placeholder1", "ptr"), ("open_qp", "ptr"), ("create_qp_ex", "ptr"), ("get_srq_num", "ptr"), ("create_srq_ex", "ptr"),
        ("open_xrcd", "ptr"), ("close_xrcd", "ptr"), ("_ABI_placeholder3", "u64"), ("sz", "size"),
        ("context", "struct:ibv_context")]),
    ("ibv_pd", "struct", [("context", "ptr"), ("handle", "u32")]),
    ("ibv_mr", "struct", [("context", "ptr"), ("pd", "ptr"), ("addr", "ptr"), ("length", "size"), ("handle", "u32"),
                          ("lkey", "u32"), ("rkey", "u32")]),
    ("ibv_comp_channel", "struct", [("context", "ptr"), ("fd", "i32"), ("refcnt", "i32")]),
    ("ibv_cq", "struct", [("context", "ptr"), ("channel", "ptr"), ("cq_context", "ptr"), ("handle", "u32"), ("cqe", "i32"),
                          ("mutex", "u64[5]"), ("cond", "u64[6]"), ("comp_events_completed", "u32"),
                          ("async_events_completed", "u32")]),
    ("ibv_qp_cap", "struct", [("max_send_wr", "u32"), ("max_recv_wr", "u32"), ("max_send_sge", "u32"), ("max_recv_sge", "u32"),
                              ("max_inline_data", "u32")]),
    ("ibv_qp_init_attr", "struct", [("qp_context", "ptr"), ("send_cq", "ptr"), ("recv_cq", "ptr"), ("srq", "ptr"),
                                    ("cap", "struct:ibv_qp_cap"), ("qp_type", "enum"), ("sq_sig_all", "i32")]),
    ("ibv_qp", "struct", [("context", "ptr"), ("qp_context", "ptr"), ("pd", "ptr"), ("send_cq", "ptr"), ("recv_cq", "ptr"),
                          ("srq", "ptr"), ("handle", "u32"), ("qp_num", "u32"), ("state", "enum"), ("qp_type", "enum"),
                          ("mutex", "u64[5]"), ("cond", "u64[6]"), ("events_completed", "u32")]),
    ("ibv_global_route", "struct", [("dgid", "union:ibv_gid"), ("flow_label", "u32"), ("sgid_index", "u8"), ("hop_limit", "u8"),
                                    ("traffic_class", "u8")]),
    ("ibv_ah_attr", "struct", [("grh", "struct:ibv_global_route"), ("dlid", "u16"), ("sl", "u8"), ("src_path_bits", "u8"),
                               ("static_rate", "u8"), ("is_global", "u8"), ("port_num", "u8")]),
    ("ibv_qp_attr", "struct", [
        ("qp_state", "enum"), ("cur_qp_state", "enum"), ("path_mtu", "enum"), ("path_mig_state", "enum"), ("qkey", "u32"),
        ("rq_psn", "u32"), ("sq_psn", "u32"), ("dest_qp_num", "u32"), ("qp_access_flags", "u32"), ("cap", "struct:ibv_qp_cap"),
        ("ah_attr", "struct:ibv_ah_attr"), ("alt_ah_attr", "struct:ibv_ah_attr"), ("pkey_index", "u16"), ("alt_pkey_index", "u16"),
        ("en_sqd_async_notify", "u8"), ("sq_draining", "u8"), ("max_rd_atomic", "u8"), ("max_dest_rd_atomic", "u8"),
        ("min_rnr_timer", "u8"), ("port_num", "u8"), ("timeout", "u8"), ("retry_cnt", "u8"), ("rnr_retry", "u8"),
        ("alt_port_num", "u8"), ("alt_timeout", "u8"), ("rate_limit", "u32")]),
    ("ibv_sge", "struct", [("addr", "u64"), ("length", "u32"), ("lkey", "u32")]),
    ("ibv_mw_bind_info", "struct", [("mr", "ptr"), ("addr", "u64"), ("length", "u64"), ("mw_access_flags", "u32")]),
    ("ibv_send_wr", "struct", [
        ("wr_id", "u64"), ("next", "ptr"), ("sg_list", "ptr"), ("num_sge", "i32"), ("opcode", "enum"), ("send_flags", "u32"),
        (None, ("union", [("imm_data", "u32"), ("invalidate_rkey", "u32")])),
        ("wr", ("union", [
            ("rdma", ("struct", [("remote_addr", "u64"), ("rkey", "u32")])),
            ("atomic", ("struct", [("remote_addr", "u64"), ("compare_add", "u64"), ("swap", "u64"), ("rkey", "u32")])),
            ("ud", ("struct", [("ah", "ptr"), ("remote_qpn", "u32"), ("remote_qkey", "u32")]))])),
        ("qp_type", ("union", [("xrc", ("struct", [("remote_srqn", "u32")]))])),
        (None, ("union", [
            ("bind_mw", ("struct", [("mw", "ptr"), ("rkey", "u32"), ("bind_info", "struct:ibv_mw_bind_info")])),
            ("tso", ("struct", [("hdr", "ptr"), ("hdr_sz", "u16"), ("mss", "u16")]))]))]),
    ("ibv_recv_wr", "struct", [("wr_id", "u64"), ("next", "ptr"), ("sg_list", "ptr"), ("num_sge", "i32")]),
    ("ibv_wc", "struct", [("wr_id", "u64"), ("status", "enum"), ("opcode", "enum"), ("vendor_err", "u32"), ("byte_len", "u32"),
                          (None, ("union", [("imm_data", "u32"), ("invalidated_rkey", "u32")])), ("qp_num", "u32"),
                          ("src_qp", "u32"), ("wc_flags", "u32"), ("pkey_index", "u16"), ("slid", "u16"), ("sl", "u8"),
                          ("dlid_path_bits", "u8")]),
    ("ibv_flow_attr", "struct", [("comp_mask", "u32"), ("type", "enum"), ("size", "u16"), ("priority", "u16"),
                                 ("num_of_specs", "u8"), ("port", "u8"), ("flags", "u32")]),
    ("ibv_flow_eth_filter", "struct", [("dst_mac", "u8[6]"), ("src_mac", "u8[6]"), ("ether_type", "u16"), ("vlan_tag", "u16")]),
    ("ibv_flow_spec_eth", "struct", [("type", "enum"), ("size", "u16"), ("val", "struct:ibv_flow_eth_filter"),
                                     ("mask", "struct:ibv_flow_eth_filter")]),
    ("ibv_flow_ipv4_filter", "struct", [("src_ip", "u32"), ("dst_ip", "u32")]),
    ("ibv_flow_spec_ipv4", "struct", [("type", "enum"), ("size", "u16"), ("val", "struct:ibv_flow_ipv4_filter"),
                                      ("mask", "struct:ibv_flow_ipv4_filter")]),
    ("ibv_flow_ipv6_filter", "struct", [("src_ip", "u8[16]"), ("dst_ip", "u8[16]"), ("flow_label", "u32"), ("next_hdr", "u8"),
                                        ("traffic_class", "u8"), ("hop_limit", "u8")]),
    ("ibv_flow_spec_ipv6", "struct", [("type", "enum"), ("size", "u16"), ("val", "struct:ibv_flow_ipv6_filter"),
                                      ("mask", "struct:ibv_flow_ipv6_filter")]),
    ("ibv_flow_tcp_udp_filter", "struct", [("dst_port", "u16"), ("src_port", "u16")]),
    ("ibv_flow_spec_tcp_udp", "struct", [("type", "enum"), ("size", "u16"), ("val", "struct:ibv_flow_tcp_udp_filter"),
                                         ("mask", "struct:ibv_flow_tcp_udp_filter")]),
    ("ibv_flow", "struct", [("comp_mask", "u32"), ("context", "ptr"), ("handle", "u32")]),
]

# Exported functions: (name, return, [(arg, type)], captures errno). Types: int, void, ptr, u8, size.
FUNCTIONS = [
    ("ibv_fork_init", "int", [], False),
    ("ibv_get_device_list", "ptr", [("num_devices", "ptr")], True),
    ("ibv_free_device_list", "void", [("list", "ptr")], False),
    ("ibv_get_device_name", "ptr", [("device", "ptr")], False),
    ("ibv_open_device", "ptr", [("device", "ptr")], True),
    ("ibv_close_device", "int", [("context", "ptr")], False),
    ("ibv_query_device", "int", [("context", "ptr"), ("device_attr", "ptr")], False),
    # The exported symbol; the header's macro ibv_query_port calls ___ibv_query_port (InlineVerbs).
    ("ibv_query_port", "int", [("context", "ptr"), ("port_num", "u8"), ("port_attr", "ptr")], False),
    ("ibv_query_gid", "int", [("context", "ptr"), ("port_num", "u8"), ("index", "int"), ("gid", "ptr")], False),
    ("ibv_alloc_pd", "ptr", [("context", "ptr")], True),
    ("ibv_dealloc_pd", "int", [("pd", "ptr")], False),
    ("ibv_reg_mr", "ptr", [("pd", "ptr"), ("addr", "ptr"), ("length", "size"), ("access", "int")], True),
    ("ibv_dereg_mr", "int", [("mr", "ptr")], False),
    ("ibv_create_comp_channel", "ptr", [("context", "ptr")], True),
    ("ibv_destroy_comp_channel", "int", [("channel", "ptr")], False),
    ("ibv_create_cq", "ptr", [("context", "ptr"), ("cqe", "int"), ("cq_context", "ptr"), ("channel", "ptr"),
                              ("comp_vector", "int")], True),
    ("ibv_destroy_cq", "int", [("cq", "ptr")], False),
    ("ibv_get_cq_event", "int", [("channel", "ptr"), ("cq", "ptr"), ("cq_context", "ptr")], True),
    ("ibv_ack_cq_events", "void", [("cq", "ptr"), ("nevents", "int")], False),
    ("ibv_create_qp", "ptr", [("pd", "ptr"), ("qp_init_attr", "ptr")], True),
    ("ibv_destroy_qp", "int", [("qp", "ptr")], False),
    ("ibv_modify_qp", "int", [("qp", "ptr"), ("attr", "ptr"), ("attr_mask", "int")], False),
    ("ibv_wc_status_str", "ptr", [("status", "int")], False),
]

# Enum constants used by the data path (all are C enumerators, printed by the probe test).
CONSTANTS = [
    "IBV_QPT_RAW_PACKET", "IBV_QPS_RESET", "IBV_QPS_INIT", "IBV_QPS_RTR", "IBV_QPS_RTS", "IBV_QPS_ERR",
    "IBV_QP_STATE", "IBV_QP_PORT", "IBV_QP_CAP",
    "IBV_WR_SEND", "IBV_WR_TSO",
    "IBV_SEND_FENCE", "IBV_SEND_SIGNALED", "IBV_SEND_SOLICITED", "IBV_SEND_INLINE", "IBV_SEND_IP_CSUM",
    "IBV_WC_SUCCESS", "IBV_WC_WR_FLUSH_ERR", "IBV_WC_SEND", "IBV_WC_TSO", "IBV_WC_RECV", "IBV_WC_IP_CSUM_OK",
    "IBV_ACCESS_LOCAL_WRITE",
    "IBV_PORT_DOWN", "IBV_PORT_INIT", "IBV_PORT_ACTIVE", "IBV_LINK_LAYER_ETHERNET", "IBV_LINK_LAYER_INFINIBAND",
    "IBV_DEVICE_RAW_IP_CSUM", "IBV_DEVICE_MANAGED_FLOW_STEERING",
    "IBV_FLOW_ATTR_NORMAL", "IBV_FLOW_ATTR_ALL_DEFAULT", "IBV_FLOW_ATTR_MC_DEFAULT", "IBV_FLOW_ATTR_SNIFFER",
    "IBV_FLOW_SPEC_ETH", "IBV_FLOW_SPEC_IPV4", "IBV_FLOW_SPEC_IPV6", "IBV_FLOW_SPEC_TCP", "IBV_FLOW_SPEC_UDP",
    "IBV_FORK_DISABLED", "IBV_FORK_ENABLED", "IBV_FORK_UNNEEDED",
]
CONSTANT_VALUES = {
    "IBV_QPT_RAW_PACKET": 8, "IBV_QPS_RESET": 0, "IBV_QPS_INIT": 1, "IBV_QPS_RTR": 2, "IBV_QPS_RTS": 3, "IBV_QPS_ERR": 6,
    "IBV_QP_STATE": 1, "IBV_QP_PORT": 1 << 5, "IBV_QP_CAP": 1 << 19,
    "IBV_WR_SEND": 2, "IBV_WR_TSO": 10,
    "IBV_SEND_FENCE": 1, "IBV_SEND_SIGNALED": 2, "IBV_SEND_SOLICITED": 4, "IBV_SEND_INLINE": 8, "IBV_SEND_IP_CSUM": 16,
    "IBV_WC_SUCCESS": 0, "IBV_WC_WR_FLUSH_ERR": 5, "IBV_WC_SEND": 0, "IBV_WC_TSO": 7, "IBV_WC_RECV": 128, "IBV_WC_IP_CSUM_OK": 4,
    "IBV_ACCESS_LOCAL_WRITE": 1,
    "IBV_PORT_DOWN": 1, "IBV_PORT_INIT": 2, "IBV_PORT_ACTIVE": 4, "IBV_LINK_LAYER_ETHERNET": 2, "IBV_LINK_LAYER_INFINIBAND": 1,
    "IBV_DEVICE_RAW_IP_CSUM": 1 << 26, "IBV_DEVICE_MANAGED_FLOW_STEERING": 1 << 29,
    "IBV_FLOW_ATTR_NORMAL": 0, "IBV_FLOW_ATTR_ALL_DEFAULT": 1, "IBV_FLOW_ATTR_MC_DEFAULT": 2, "IBV_FLOW_ATTR_SNIFFER": 3,
    "IBV_FLOW_SPEC_ETH": 0x20, "IBV_FLOW_SPEC_IPV4": 0x30, "IBV_FLOW_SPEC_IPV6": 0x31, "IBV_FLOW_SPEC_TCP": 0x40,
    "IBV_FLOW_SPEC_UDP": 0x41,
    "IBV_FORK_DISABLED": 0, "IBV_FORK_ENABLED": 1, "IBV_FORK_UNNEEDED": 2,
}

HEADER = """// Generated by verbs-ffm/tools/gen_bindings.py from a transcription of <infiniband/verbs.h>
// (Debian libibverbs-dev 44.0), in the style of jextract. Do not edit: change the spec and rerun.
"""

BY_NAME = {s[0]: s for s in STRUCTS}
COMPUTED = {}  # name -> (size, align)


def parse_array(t):
    base, n = t[:-1].split("[")
    return base, int(n)


def type_size_align(t):
    if isinstance(t, tuple):
        return layout_of(t[0], t[1])[1:3]
    if t.startswith("fn:"):
        return 8, 8
    if t.startswith("struct:") or t.startswith("union:"):
        return COMPUTED[t.split(":", 1)[1]]
    if "[" in t:
        base, n = parse_array(t)
        s, a = SCALARS[base][:2]
        return s * n, a
    return SCALARS[t][:2]


def java_layout_expr(t, name):
    """Java expression of the member layout, named."""
    nm = name if name is not None else None
    if isinstance(t, tuple):
        expr = layout_expr(t[0], t[1])
    elif t.startswith("fn:"):
        expr = "ValueLayout.ADDRESS"
    elif t.startswith("struct:") or t.startswith("union:"):
        expr = t.split(":", 1)[1] + ".LAYOUT"
    elif "[" in t:
        base, n = parse_array(t)
        expr = "MemoryLayout.sequenceLayout(%d, ValueLayout.%s)" % (n, SCALARS[base][2])
    else:
        expr = "ValueLayout." + SCALARS[t][2]
    return "%s.withName(\"%s\")" % (expr, nm)


ANON = [0]


def layout_of(kind, fields):
    """Returns (list of (member expr or padding, offset, name, type)), size, align."""
    members = []
    off = 0
    align = 1
    size = 0
    for name, t in fields:
        s, a = type_size_align(t)
        align = max(align, a)
        if kind == "struct":
            pad = (-off) % a
            if pad:
                members.append(("pad", pad))
                off += pad
            members.append(("m", name, t, off))
            off += s
            size = off
        else:
            members.append(("m", name, t, 0))
            size = max(size, s)
    total = size + ((-size) % align)
    if kind == "struct" and total > size:
        members.append(("pad", total - size))
    return members, total, align


def layout_expr(kind, fields, indent="        "):
    members, total, align = layout_of(kind, fields)
    parts = []
    anon = 0
    for m in members:
        if m[0] == "pad":
            parts.append("MemoryLayout.paddingLayout(%d)" % m[1])
        else:
            name = m[1]
            if name is None:
                name = "$anon%d" % anon
                anon += 1
            parts.append(java_layout_expr(m[2], name))
    fn = "structLayout" if kind == "struct" else "unionLayout"
    sep = ",\n" + indent + "    "
    return "MemoryLayout.%s(\n%s    %s)" % (fn, indent, sep.join(parts))


def java_arg_layout(t):
    return {"int": "ValueLayout.JAVA_INT", "ptr": "ValueLayout.ADDRESS", "u8": "ValueLayout.JAVA_BYTE",
            "size": "ValueLayout.JAVA_LONG"}[t]


def java_arg_type(t):
    return {"int": "int", "ptr": "MemorySegment", "u8": "byte", "size": "long"}[t]


def descriptor(ret, args):
    a = ", ".join(java_arg_layout(t) for _, t in args)
    if ret == "void":
        return "FunctionDescriptor.ofVoid(%s)" % a
    return "FunctionDescriptor.of(%s%s)" % (java_arg_layout(ret), (", " + a) if a else "")


def fn_class(name, field, indent="    "):
    ret, args = FNTYPES[name]
    rtype = "void" if ret == "void" else java_arg_type(ret)
    params = ", ".join("%s %s" % (java_arg_type(t), n) for n, t in args)
    names = ", ".join(n for n, _ in args)
    call = ("" if ret == "void" else "return (%s) " % rtype) + "HANDLE.invokeExact(fp, %s);" % names
    return f"""
{indent}/** The function-pointer type of {field}: {ret} (*)({', '.join(t for _, t in args)}). */
{indent}public static final class {field} {{
{indent}    private {field}() {{}}

{indent}    public static final FunctionDescriptor DESC = {descriptor(ret, args)};
{indent}    public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(DESC);

{indent}    /** Calls the function at {{@code fp}}. */
{indent}    public static {rtype} invoke(MemorySegment fp, {params}) {{
{indent}        try {{
{indent}            {call}
{indent}        }} catch (Throwable t) {{
{indent}            throw new AssertionError("should not reach here", t);
{indent}        }}
{indent}    }}
{indent}}}
"""


def accessors(cls, kind, fields, prefix, base_off, out, fnclasses, nested=False):
    """Flattened accessors with absolute offsets."""
    members, _, _ = layout_of(kind, fields)
    for m in members:
        if m[0] == "pad":
            continue
        _, name, t, off = m
        abs_off = base_off + off
        jname = prefix + name if name is not None else prefix[:-1] if prefix else None
        if isinstance(t, tuple):
            accessors(cls, t[0], t[1], (prefix + name + "_") if name is not None else prefix, abs_off, out, fnclasses,
                      nested)
            continue
        if jname is None:
            continue
        path = jname
        if t.startswith("fn:") or t in SCALARS:
            st = "ptr" if t.startswith("fn:") else t
            _, _, vl, carrier, lcls = SCALARS[st]
            lqual = lcls[1:] if lcls.startswith("@") else "ValueLayout." + lcls
            out.append(f"""
    public static final {lqual} {path}$LAYOUT = ValueLayout.{vl};
    public static final long {path}$OFFSET = {abs_off};

    public static {carrier} {path}(MemorySegment struct) {{
        return struct.get({path}$LAYOUT, {path}$OFFSET);
    }}

    public static void {path}(MemorySegment struct, {carrier} fieldValue) {{
        struct.set({path}$LAYOUT, {path}$OFFSET, fieldValue);
    }}
""")
            if t.startswith("fn:") and not nested:
                fnclasses.append(fn_class(t[3:], path))
        else:
            s, _ = type_size_align(t)
            out.append(f"""
    public static final long {path}$OFFSET = {abs_off};
    public static final long {path}$SIZE = {s};

    /** A slice of {{@code struct}} over this member. */
    public static MemorySegment {path}(MemorySegment struct) {{
        return struct.asSlice({path}$OFFSET, {path}$SIZE);
    }}
""")
            if t.startswith("struct:") or t.startswith("union:"):
                ref = BY_NAME[t.split(":", 1)[1]]
                accessors(cls, ref[1], ref[2], path + "_", abs_off, out, fnclasses, True)


def write(name, text):
    with open(os.path.join(OUT, name + ".java"), "w") as f:
        f.write(text)


def gen_struct(name, kind, fields):
    _, size, align = layout_of(kind, fields)
    COMPUTED[name] = (size, align)
    out, fnclasses = [], []
    accessors(name, kind, fields, "", 0, out, fnclasses)
    lexpr = layout_expr(kind, fields, "    ")
    text = f"""{HEADER}package {PKG};

import java.lang.foreign.*;
import java.lang.invoke.MethodHandle;

/**
 * {{@code {kind} {name}}} from {{@code <infiniband/verbs.h>}}: its layout ({size} bytes, aligned to {align}),
 * the absolute offset of every member (anonymous unions flattened, nested named members joined
 * with {{@code _}}), and static accessors over a segment holding one.
 */
@SuppressWarnings({{"unused", "restricted"}})
public final class {name} {{
    private {name}() {{}}

    public static final GroupLayout LAYOUT = {lexpr}.withName("{name}");

    public static final long SIZEOF = {size};

    public static GroupLayout layout() {{
        return LAYOUT;
    }}

    /** Allocates one, zeroed. */
    public static MemorySegment allocate(SegmentAllocator allocator) {{
        return allocator.allocate(LAYOUT);
    }}

    /** Allocates {{@code count}} contiguous ones, zeroed. */
    public static MemorySegment allocateArray(long count, SegmentAllocator allocator) {{
        return allocator.allocate(MemoryLayout.sequenceLayout(count, LAYOUT));
    }}

    /** Element {{@code index}} of an array of these. */
    public static MemorySegment asSlice(MemorySegment array, long index) {{
        return array.asSlice(index * SIZEOF, SIZEOF);
    }}
{''.join(out)}{''.join(fnclasses)}}}
"""
    write(name, text)


def gen_header():
    consts = "".join(f"""
    public static int {c}() {{
        return {CONSTANT_VALUES[c]};
    }}
""" for c in CONSTANTS)
    funcs = []
    for name, ret, args, errno in FUNCTIONS:
        rtype = "void" if ret == "void" else java_arg_type(ret)
        params = ", ".join("%s %s" % (java_arg_type(t), n) for n, t in args)
        names = ", ".join(n for n, _ in args)
        if errno:
            params = "MemorySegment capturedState" + (", " + params if params else "")
            names = "capturedState" + (", " + names if names else "")
        opts = ", CAPTURE_ERRNO" if errno else ""
        call = ("" if ret == "void" else "return (%s) " % rtype) + "%s.HANDLE.invokeExact(%s);" % (name + "$holder", names)
        sig = ", ".join(t + " " + n for n, t in args)
        doc = (" The first argument receives errno ({@link #errnoState}, {@link #errno})." if errno else "")
        funcs.append(f"""
    private static final class {name}$holder {{
        static final FunctionDescriptor DESC = {descriptor(ret, args)};
        static final MemorySegment ADDR = findOrThrow("{name}");
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC{opts});
    }}

    public static FunctionDescriptor {name}$descriptor() {{
        return {name}$holder.DESC;
    }}

    public static MethodHandle {name}$handle() {{
        return {name}$holder.HANDLE;
    }}

    public static MemorySegment {name}$address() {{
        return {name}$holder.ADDR;
    }}

    /** {{@code {ret} {name}({sig})}}.{doc} */
    public static {rtype} {name}({params}) {{
        try {{
            {call}
        }} catch (Throwable t) {{
            throw new AssertionError("should not reach here", t);
        }}
    }}
""")
    text = f"""{HEADER}package {PKG};

import java.lang.foreign.*;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The exported functions and the enum constants of {{@code <infiniband/verbs.h>}} this module uses, in
 * jextract's header-class style. The library is looked up once by {{@link Libibverbs}}; a function
 * whose symbol is missing throws {{@link UnsatisfiedLinkError}} on first use, and a missing library
 * throws {{@link VerbsUnavailableException}} (check first with {{@link Libibverbs#load()}}).
 *
 * <p>The header's {{@code static inline}} functions are not exported symbols; their hand translation
 * (through the function pointers in the context's ops) is {{@link InlineVerbs}}.
 */
@SuppressWarnings({{"unused", "restricted"}})
public final class verbs_h {{
    private verbs_h() {{}}

    static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /** Memory for the errno a call captures; pass it as the first argument of such calls. */
    public static MemorySegment errnoState(SegmentAllocator allocator) {{
        return allocator.allocate(CAPTURE_LAYOUT);
    }}

    /** The errno the last call given {{@code state}} left. */
    public static int errno(MemorySegment state) {{
        return (int) ERRNO.get(state, 0L);
    }}

    /** Sets the errno held in {{@code state}}, for hand-written calls that fail before calling anything. */
    public static void errno(MemorySegment state, int value) {{
        ERRNO.set(state, 0L, value);
    }}

    static MemorySegment findOrThrow(String symbol) {{
        return Libibverbs.lookup().find(symbol)
                .orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol in " + Libibverbs.name() + ": " + symbol));
    }}
{consts}{''.join(funcs)}}}
"""
    write("verbs_h", text)


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, kind, fields in STRUCTS:
        gen_struct(name, kind, fields)
    gen_header()


if __name__ == "__main__":
    main()
