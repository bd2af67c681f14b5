"""The checkpoint file format (engine/checkpoint_io.py): round trips, the state file,
atomic writes, and every way a checkpoint file can be missing or damaged."""

import json
import os

import numpy as np
import pytest

import twinflow as tf
from engine import checkpoint_io as cio

VALUES = {
    "f32": np.array([[1.5, -2.25, 3.0e-8], [np.inf, -0.0, 7.0]], dtype=np.float32),
    "f64": np.array(np.pi),
    "f16": np.array([0.5, 65504.0], dtype=np.float16),
    "i8": np.array([-128, 127], dtype=np.int8),
    "i32": np.arange(12, dtype=np.int32).reshape(3, 4),
    "i64": np.array(2 ** 40, dtype=np.int64),
    "u16": np.array([0, 65535], dtype=np.uint16),
    "bool": np.array([True, False, True]),
    "c64": np.array([1 + 2j, -3j], dtype=np.complex64),
    "empty": np.zeros((2, 0, 3), dtype=np.float32),
    "str": np.array([b"a\x00", b"", b"x\x00y", "h\u00e9".encode()], dtype=object),
    "str0": np.array(b"hello", dtype=object),
    "str_empty": np.empty((0,), dtype=object),
    "str_blank": np.array([[b"", b""]], dtype=object),
}


def _write(prefix, values=VALUES, kind=cio.NAME_BASED):
    return cio.write_checkpoint(prefix, {k: (v, f"var_{k}") for k, v in values.items()}, kind)


def _files(directory):
    return sorted(os.listdir(directory))


def test_every_dtype_round_trips_exactly(tmp_path):
    prefix = _write(tmp_path / "sub" / "model")  # the directory is created
    assert prefix == str(tmp_path / "sub" / "model")
    assert _files(tmp_path / "sub") == ["model.data-00000-of-00001", "model.index"]
    reader = tf.train.load_checkpoint(prefix)
    dtypes = reader.get_variable_to_dtype_map()
    for key, want in VALUES.items():
        got = reader.get_array(key)
        assert got.dtype == want.dtype and got.shape == want.shape, key
        np.testing.assert_array_equal(got, want)
        assert dtypes[key] is tf.as_dtype(want.dtype) if want.dtype != object \
            else dtypes[key] is tf.string
    assert list(reader.get_array("str")) == [b"a\x00", b"", b"x\x00y", "h\u00e9".encode()]
    assert reader.get_variable_to_shape_map()["empty"] == [2, 0, 3]
    assert reader.kind == "name-based" and reader.has_tensor("f32")
    assert not reader.has_tensor("nope")


def test_get_tensor_gives_numpy_scalars_for_0d_values(tmp_path):
    reader = tf.train.load_checkpoint(_write(tmp_path / "m"))
    assert reader.get_tensor("str0") == b"hello"
    value = reader.get_tensor("f64")
    assert isinstance(value, np.float64) and value == np.pi
    assert isinstance(reader.get_tensor("i32"), np.ndarray)


def test_index_is_json_naming_kind_dtype_shape_crc_and_variable_name(tmp_path):
    _write(tmp_path / "m", {"w": np.ones((2, 3), np.float32)}, cio.OBJECT_BASED)
    index = json.loads((tmp_path / "m.index").read_text())
    assert index["kind"] == "object-based" and index["version"] == 1
    entry = index["entries"]["w"]
    assert (entry["dtype"], entry["shape"], entry["name"]) == ("float32", [2, 3], "var_w")
    assert isinstance(entry["crc32"], int)
    with np.load(tmp_path / "m.data-00000-of-00001", allow_pickle=False) as data:
        np.testing.assert_array_equal(data[entry["member"]], np.ones((2, 3), np.float32))


def test_list_variables_is_sorted_and_a_directory_means_its_latest(tmp_path):
    prefix = _write(tmp_path / "m", {"b": np.zeros(3), "a/x": np.zeros([]), "c": np.zeros((1, 2))})
    assert tf.train.list_variables(prefix) == [("a/x", []), ("b", [3]), ("c", [1, 2])]
    cio.update_checkpoint_state(str(tmp_path), prefix)
    assert tf.train.list_variables(str(tmp_path)) == tf.train.list_variables(prefix)
    assert tf.train.load_checkpoint(str(tmp_path)).prefix == prefix


def test_state_file_text_relative_paths_and_latest_checkpoint(tmp_path):
    d = str(tmp_path)
    assert tf.train.latest_checkpoint(d) is None
    assert tf.train.get_checkpoint_state(d) is None
    for n in (1, 2):
        _write(tmp_path / f"model-{n}", {"x": np.zeros(1)})
    cio.update_checkpoint_state(d, os.path.join(d, "model-2"), [os.path.join(d, "model-1")])
    assert (tmp_path / "checkpoint").read_text() == (
        'model_checkpoint_path: "model-2"\n'
        'all_model_checkpoint_paths: "model-1"\n'
        'all_model_checkpoint_paths: "model-2"\n')
    assert tf.train.latest_checkpoint(d) == os.path.join(d, "model-2")
    state = tf.train.get_checkpoint_state(d)
    assert state.model_checkpoint_path == os.path.join(d, "model-2")
    assert state.all_model_checkpoint_paths == [os.path.join(d, f"model-{n}") for n in (1, 2)]
    cio.update_checkpoint_state(d, os.path.join(d, "model-1"), latest_filename="other")
    assert tf.train.latest_checkpoint(d, "other") == os.path.join(d, "model-1")
    cio.delete_checkpoint(os.path.join(d, "model-2"))
    assert tf.train.latest_checkpoint(d) is None  # listed, but its files are gone
    assert not [f for f in _files(tmp_path) if f.endswith(".tmp")]


def test_state_file_timestamps_round_trip(tmp_path):
    d = str(tmp_path)
    cio.update_checkpoint_state(d, "ckpt-2", ["ckpt-1", "ckpt-2"],
                                all_model_checkpoint_timestamps=[1.5, 2.25],
                                last_preserved_timestamp=0.75)
    state = tf.train.get_checkpoint_state(d)
    assert state.all_model_checkpoint_timestamps == [1.5, 2.25]
    assert state.last_preserved_timestamp == 0.75


def test_corrupted_state_file_is_data_loss(tmp_path):
    (tmp_path / "checkpoint").write_text('model_checkpoint_path: "a"\ngarbage here\n')
    with pytest.raises(tf.errors.DataLossError, match=r"checkpoint is corrupted: cannot read "
                                                      r"line 2: 'garbage here'"):
        tf.train.latest_checkpoint(str(tmp_path))


def test_missing_checkpoint_is_not_found_naming_the_prefix_and_index(tmp_path):
    prefix = str(tmp_path / "nothing")
    with pytest.raises(tf.errors.NotFoundError,
                       match=rf"Failed to find any matching files for {prefix}: no checkpoint "
                             rf"there \({prefix}.index does not exist\)"):
        tf.train.load_checkpoint(prefix)
    with pytest.raises(tf.errors.NotFoundError):
        tf.train.list_variables(prefix)


def test_missing_suffix_hints_at_the_numbered_checkpoint(tmp_path):
    for n in (2, 10):
        _write(tmp_path / f"ckpt-{n}", {"x": np.zeros(1)})
    with pytest.raises(tf.errors.NotFoundError,
                       match=rf"Did you mean {tmp_path}/ckpt-10\? save\(\) appends a number"):
        tf.train.load_checkpoint(str(tmp_path / "ckpt"))
    with pytest.raises(tf.errors.NotFoundError, match="Pass the prefix, without the .index"):
        tf.train.load_checkpoint(str(tmp_path / "ckpt-2.index"))


def test_directory_without_checkpoint_is_value_error(tmp_path):
    with pytest.raises(ValueError, match=r"Couldn't find a 'checkpoint' state file or "
                                         rf"checkpoints in directory {tmp_path}"):
        tf.train.load_checkpoint(str(tmp_path))


def test_missing_key_lists_the_closest_keys(tmp_path):
    reader = tf.train.load_checkpoint(_write(tmp_path / "m", {
        "dense/kernel": np.zeros(1), "dense/bias": np.zeros(1), "other": np.zeros(1)}))
    with pytest.raises(tf.errors.NotFoundError,
                       match=r"Key dense/kernal not found in checkpoint .*m\n  Closest keys in "
                             r"the checkpoint: dense/kernel, dense/bias") as info:
        reader.get_tensor("dense/kernal")
    assert "built twice" not in str(info.value)


@pytest.mark.parametrize("missing, twin", [("w_1", "w"), ("dense_1/kernel", "dense/kernel"),
                                           ("model_2/dense_1/bias", "model/dense/bias")])
def test_missing_copy_suffix_explains_the_model_was_built_twice(missing, twin):
    error = cio.missing_key_error(missing, ["w", "dense/kernel", "model/dense/bias"], "P")
    assert isinstance(error, tf.errors.NotFoundError)
    assert error.message.startswith(f"Key {missing} not found in checkpoint P")
    assert f"{twin} is in the checkpoint: {missing} is the name the graph gave a second " \
           "copy" in error.message
    assert "tf.compat.v1.reset_default_graph()" in error.message


# ---------------------------------------------------------------- damage ---------------

def test_truncated_data_file_is_data_loss_naming_the_file(tmp_path):
    prefix = _write(tmp_path / "m")
    data = tmp_path / "m.data-00000-of-00001"
    data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])
    with pytest.raises(tf.errors.DataLossError,
                       match=rf"Checkpoint file {data} is corrupted or truncated"):
        tf.train.load_checkpoint(prefix)


def test_flipped_byte_is_data_loss(tmp_path):
    prefix = _write(tmp_path / "m", {"w": np.arange(1000, dtype=np.float32)})
    data = tmp_path / "m.data-00000-of-00001"
    raw = bytearray(data.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # inside the array's bytes
    data.write_bytes(bytes(raw))
    with pytest.raises(tf.errors.DataLossError, match=rf"{data} is corrupted"):
        tf.train.load_checkpoint(prefix)


def _edit_index(tmp_path, edit):
    index_path = tmp_path / "m.index"
    index = json.loads(index_path.read_text())
    edit(index["entries"]["w"])
    index_path.write_text(json.dumps(index))


def test_checksum_mismatch_is_data_loss(tmp_path):
    prefix = _write(tmp_path / "m", {"w": np.arange(4.0)})
    _edit_index(tmp_path, lambda e: e.update(crc32=e["crc32"] ^ 1))
    with pytest.raises(tf.errors.DataLossError, match=r"checksum mismatch for key 'w'"):
        tf.train.load_checkpoint(prefix)


def test_missing_entry_and_wrong_shape_are_data_loss(tmp_path):
    prefix = _write(tmp_path / "m", {"w": np.arange(4.0)})
    _edit_index(tmp_path, lambda e: e.update(member="t9"))
    with pytest.raises(tf.errors.DataLossError, match=r"no data for key 'w'"):
        tf.train.load_checkpoint(prefix)
    _write(tmp_path / "m", {"w": np.arange(4.0)})
    _edit_index(tmp_path, lambda e: e.update(shape=[5]))
    with pytest.raises(tf.errors.DataLossError, match=r"key 'w' has shape \[4\], the index "
                                                      r"says \[5\]"):
        tf.train.load_checkpoint(prefix)


def test_truncated_index_and_missing_data_file_are_data_loss(tmp_path):
    prefix = _write(tmp_path / "m")
    index = tmp_path / "m.index"
    text = index.read_bytes()
    index.write_bytes(text[: len(text) // 2])
    with pytest.raises(tf.errors.DataLossError, match=rf"{index} is corrupted or truncated: "
                                                      "unreadable index"):
        tf.train.load_checkpoint(prefix)
    _write(tmp_path / "m")
    os.remove(tmp_path / "m.data-00000-of-00001")
    with pytest.raises(tf.errors.DataLossError, match="the data file is missing"):
        tf.train.load_checkpoint(prefix)


# ---------------------------------------------------------------- atomic writes -------

def test_no_temp_files_after_save_or_overwrite(tmp_path):
    _write(tmp_path / "m")
    _write(tmp_path / "m", {"w": np.ones(2)})
    assert _files(tmp_path) == ["m.data-00000-of-00001", "m.index"]
    assert tf.train.list_variables(str(tmp_path / "m")) == [("w", [2])]


def test_directory_that_is_a_file_fails_cleanly(tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(tf.errors.FailedPreconditionError,
                       match=rf"{tmp_path}/afile is not a directory"):
        _write(tmp_path / "afile" / "m")
    assert _files(tmp_path) == ["afile"]


def test_failed_write_leaves_the_old_checkpoint_and_no_temp_files(tmp_path, monkeypatch):
    prefix = _write(tmp_path / "m", {"w": np.arange(3.0)})

    def broken_savez(f, **arrays):
        f.write(b"PK\x03\x04 half a file")
        raise OSError("disk full")
    monkeypatch.setattr(cio.np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        _write(tmp_path / "m", {"w": np.zeros(3)})
    monkeypatch.undo()
    assert _files(tmp_path) == ["m.data-00000-of-00001", "m.index"]
    np.testing.assert_array_equal(tf.train.load_checkpoint(prefix).get_tensor("w"),
                                  np.arange(3.0))


def test_values_without_a_format_are_type_errors(tmp_path):
    with pytest.raises(TypeError, match=r"Cannot save 'x': values of numpy dtype object"):
        _write(tmp_path / "m", {"x": np.array([{"a": 1}], dtype=object)})
    assert not os.path.exists(tmp_path / "m.index")
