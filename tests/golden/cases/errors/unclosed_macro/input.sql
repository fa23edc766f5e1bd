{% macro m() %}
body
