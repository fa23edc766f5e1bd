[{{name}}][{{   name   }}][{{
name
}}]
