"""Helpers for the BLE tests: a private D-Bus + BlueZoo (emulated BlueZ) and a GATT peripheral.

Only ``tests/test_ble_*.py`` import this package.
"""
