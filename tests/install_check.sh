#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds a consumer with find_package(clcnn)
# and with pkg-config, then runs both.
set -eu
build=$1 source=$2
prefix=$(mktemp -d) work=$(mktemp -d)
trap 'rm -rf "$prefix" "$work"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
cp "$source/examples/corr2d.c" "$work/"
cat >"$work/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(consumer C)
find_package(clcnn REQUIRED)
add_executable(hello corr2d.c)
target_link_libraries(hello PRIVATE clcnn::clcnn)
CMAKE
cmake -S "$work" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/build" >/dev/null
LD_LIBRARY_PATH="$prefix/lib" "$work/build/hello" | grep -q "\[\[19, 25\], \[37, 43\]\]"
echo "find_package consumer: ok"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
cc "$work/corr2d.c" -o "$work/hello_pc" $(pkg-config --cflags --libs clcnn)
LD_LIBRARY_PATH="$prefix/lib" "$work/hello_pc" | grep -q "\[\[19, 25\], \[37, 43\]\]"
echo "pkg-config consumer: ok"
test "$(pkg-config --modversion clcnn)" = "$("$prefix/bin/clcnn" version | cut -d' ' -f2)"
echo "install: 3 passed, 0 failed"
